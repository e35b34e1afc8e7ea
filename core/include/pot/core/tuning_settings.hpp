#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "pot/engine.hpp"

namespace pot::core {

/// What a tuning run aims for and how its trials are scored (POT's TPE loss function).
struct TuningTargets {
    /// Largest acceptable relative accuracy loss, in percent: (fp32 - int8) / fp32 * 100.
    double accuracy_loss = 1.0;
    /// Smallest wanted speed-up: fp32 latency / int8 latency.
    double latency_reduce = 1.0;
    double accuracy_weight = 1.0;
    double latency_weight = 1.0;
    /// The share of tuned layers a trial keeps quantized is rewarded around this value...
    double expected_quantization_ratio = 0.5;
    /// ... with this weight (0: not at all).
    double quantization_ratio_weight = 0.0;
};

/// Where a tuning run starts (POT's trials_load_method).
enum class TrialsLoadMethod {
    ColdStart,  ///< a new log; the first trial is the base configuration
    WarmStart,  ///< continue the log up to max_trials (cold start when there is none)
    FineTune,   ///< a new log and search space around the log's best trial (cold start without one)
    Eval,       ///< no trials: the log's best trial is the result
};

/// How a tuning run goes: POT's optimizer parameters.
struct TuningSettings {
    int64_t max_trials = 100;
    double max_minutes = 0;        ///< 0: no time limit; checked before each trial
    TrialsLoadMethod load_method = TrialsLoadMethod::ColdStart;
    TuningTargets targets;
    bool stop_on_target = false;   ///< stop once a trial meets the accuracy and latency targets
    size_t eval_subset_size = 0;   ///< the first samples of the evaluation data each trial is scored on (0: all)
    std::optional<double> baseline_value;  ///< the float model's metric, instead of measuring it
    /// How latency is measured; nullopt: not measured (no latency weight and no latency target).
    std::optional<BenchmarkOptions> benchmark;
};

}  // namespace pot::core
