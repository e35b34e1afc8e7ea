#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::accuracy_aware {

/// The algorithm's name in configs, reports and messages.
inline constexpr const char* kAlgorithmName = "AccuracyAwareQuantization";
/// Its variant that lowers convolutions to 4 bits (int4_mixed.hpp).
inline constexpr const char* kInt4AlgorithmName = "INT4MixedQuantization";

enum class DropType { Absolute, Relative };

/// How layers are ranked: by the metric on the ranking subset with the layer in float (POT), or by
/// the normalized mean squared error of the model outputs against the float model's (cheaper: no
/// metric, and it still ranks when every ranking sample scores the same).
enum class RankingMethod { Metric, OutputError };

/// AccuracyAwareQuantization's parameters: POT's names, meanings and defaults, plus a time budget.
struct Settings {
    /// In the metric's units (the standard metrics are in percent): one point, what POT's default
    /// 0.01 meant on its fraction-valued metrics.
    double maximal_drop = 1.0;
    DropType drop_type = DropType::Absolute;
    AlgorithmSpec base;          ///< base_algorithm with every parameter not listed here
    AlgorithmSpec mixed;         ///< the same with preset "mixed" (convert_to_mixed_preset)
    bool convert_to_mixed_preset = false;  ///< only when the base preset is "performance"
    double metric_subset_ratio = 0.5;
    int64_t ranking_subset_size = 300;     ///< capped at the evaluation data's size
    int64_t max_iter_num = std::numeric_limits<int64_t>::max();
    bool use_prev_if_drop_increase = true;
    RankingMethod ranking = RankingMethod::Metric;
    double max_minutes = 0;                ///< 0: no time budget
    bool tune_hyperparams = false;         ///< try other range estimators (and bias correction) first
    bool annotation_free = false;          ///< score only samples the float model is confident on
    double annotation_conf_threshold = 0.6;
    std::optional<double> baseline;        ///< POT's params.metrics[0].baseline_value
    uint64_t seed = 0;                     ///< picks the metric subset
    std::string path;                      ///< of the parameters, for messages
};

/// Reads `params`; unknown keys go to the base algorithm, which rejects what it does not know.
Settings read_settings(const Params& params);

}  // namespace pot::accuracy_aware
