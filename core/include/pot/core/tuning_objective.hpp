#pragma once

#include <nlohmann/json.hpp>

#include "pot/core/tuning_settings.hpp"

namespace pot::core {

/// One trial's measurements, as the loss sees them.
struct TrialMeasurement {
    double accuracy_loss = 0;    ///< relative, as a fraction (0.01 = 1 %)
    double latency_ratio = 1;    ///< fp32 latency / int8 latency (1 when latency is not measured)
    double quantized_ratio = 1;  ///< share of the tuned layers kept quantized
};

/// POT's loss: lower is better. The accuracy term counts only when the loss exceeds the target,
/// the latency term rewards speed-up on a log scale, both scaled so that the first (fully
/// quantized, base) trial spans 10 units; a trial that misses the accuracy target pays a penalty
/// of 80, one that meets it but misses the latency target 40. Scales come from calibrate() with
/// the base trial, or are restored from a trial log.
class TuningObjective {
public:
    explicit TuningObjective(TuningTargets targets) : targets_(targets) {}

    /// Sets the scales from the base trial's measurement.
    void calibrate(const TrialMeasurement& base);
    bool calibrated() const { return calibrated_; }

    double loss(const TrialMeasurement& m) const;
    bool meets_accuracy(const TrialMeasurement& m) const { return m.accuracy_loss <= accuracy_threshold(); }
    bool meets_targets(const TrialMeasurement& m) const {
        return meets_accuracy(m) && m.latency_ratio >= targets_.latency_reduce;
    }
    double accuracy_threshold() const { return targets_.accuracy_loss / 100.0; }
    const TuningTargets& targets() const { return targets_; }

    /// The scales, for the trial log.
    nlohmann::json scales() const;
    /// Restores scales() written by an earlier run.
    void restore(const nlohmann::json& scales);

private:
    TuningTargets targets_;
    bool calibrated_ = false;
    double accuracy_min_ = 1, accuracy_scale_ = 1, latency_min_ = 0, latency_scale_ = 1;
};

/// Whether trial `a` is better than trial `b` as POT ranks results: among trials meeting the
/// accuracy target, the faster one (then the more accurate); a trial meeting it beats one that
/// does not; otherwise the lower loss.
bool better_trial(const TuningObjective& objective, const TrialMeasurement& a, double loss_a,
                  const TrialMeasurement& b, double loss_b);

}  // namespace pot::core
