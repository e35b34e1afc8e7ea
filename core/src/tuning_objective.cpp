#include "pot/core/tuning_objective.hpp"

#include <algorithm>
#include <cmath>

#include "pot/error.hpp"

namespace pot::core {

namespace {

constexpr double kScaleSpan = 10.0;        // what the base trial's distance from the ideal is worth
constexpr double kAccuracyPenalty = 80.0;  // a trial missing the accuracy target
constexpr double kLatencyPenalty = 40.0;   // a trial meeting it but missing the latency target

double accuracy_term(double accuracy_loss) { return std::exp(accuracy_loss); }

// -8 ln(1000 r): decreasing in the speed-up r, on a log scale.
double latency_term(double latency_ratio) { return -8.0 * std::log(1000.0 * latency_ratio); }

}  // namespace

void TuningObjective::calibrate(const TrialMeasurement& base) {
    accuracy_min_ = accuracy_term(0.0);
    double accuracy_max = accuracy_term(std::max(0.0, base.accuracy_loss));
    // A lossless base spans up to the target instead, so the scale stays finite.
    if (accuracy_max - accuracy_min_ < 1e-12) accuracy_max = accuracy_term(accuracy_threshold());
    if (accuracy_max - accuracy_min_ < 1e-12) accuracy_max = accuracy_term(0.01);
    accuracy_scale_ = kScaleSpan / (accuracy_max - accuracy_min_);

    const double latency_max = latency_term(1.0);
    latency_min_ = latency_term(std::max(base.latency_ratio, 1e-6));
    // A base no faster than the float model spans up to the latency target, or to 2x without one.
    if (std::abs(latency_max - latency_min_) < 1e-12) latency_min_ = latency_term(targets_.latency_reduce);
    if (std::abs(latency_max - latency_min_) < 1e-12) latency_min_ = latency_term(2.0);
    latency_scale_ = kScaleSpan / std::abs(latency_max - latency_min_);
    calibrated_ = true;
}

double TuningObjective::loss(const TrialMeasurement& m) const {
    POT_CHECK(calibrated_, "tuning objective: loss() before calibrate()");
    const bool accuracy_met = meets_accuracy(m);
    double accuracy_weight = accuracy_met ? 0.0 : targets_.accuracy_weight;
    if (accuracy_weight == 0.0 && targets_.latency_weight == 0.0 && targets_.quantization_ratio_weight == 0.0)
        accuracy_weight = 1.0;
    const double offset = targets_.expected_quantization_ratio;
    const double ratio_scale = 1.0 / std::min(1.0 - offset, offset);
    double loss = accuracy_weight * accuracy_scale_ * (accuracy_term(m.accuracy_loss) - accuracy_min_) +
                  targets_.latency_weight * latency_scale_ * (latency_term(std::max(m.latency_ratio, 1e-6)) - latency_min_) -
                  targets_.quantization_ratio_weight * 5.0 * std::tanh(3.0 * ratio_scale * (m.quantized_ratio - offset));
    if (!accuracy_met)
        loss += kAccuracyPenalty;
    else if (m.latency_ratio < targets_.latency_reduce)
        loss += kLatencyPenalty;
    return loss;
}

nlohmann::json TuningObjective::scales() const {
    return {{"accuracy_min", accuracy_min_}, {"accuracy_scale", accuracy_scale_}, {"latency_min", latency_min_},
            {"latency_scale", latency_scale_}};
}

void TuningObjective::restore(const nlohmann::json& scales) {
    const auto number = [&](const char* key) {
        POT_CHECK_KIND(Input, scales.contains(key) && scales[key].is_number(), "loss scale '", key,
                       "' is missing or not a number");
        const double v = scales[key].get<double>();
        POT_CHECK_KIND(Input, std::isfinite(v), "loss scale '", key, "' is not finite");
        return v;
    };
    accuracy_min_ = number("accuracy_min");
    accuracy_scale_ = number("accuracy_scale");
    latency_min_ = number("latency_min");
    latency_scale_ = number("latency_scale");
    calibrated_ = true;
}

bool better_trial(const TuningObjective& objective, const TrialMeasurement& a, double loss_a,
                  const TrialMeasurement& b, double loss_b) {
    const bool a_met = objective.meets_accuracy(a), b_met = objective.meets_accuracy(b);
    if (a_met != b_met) return a_met;
    if (a_met) {
        if (a.latency_ratio != b.latency_ratio) return a.latency_ratio > b.latency_ratio;
        return a.accuracy_loss < b.accuracy_loss;
    }
    return loss_a < loss_b;
}

}  // namespace pot::core
