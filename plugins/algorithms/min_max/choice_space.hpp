#pragma once

#include <set>
#include <string>
#include <vector>

#include "op_choice.hpp"
#include "pot/params.hpp"

namespace pot::min_max {

/// TunableQuantization's tuning parameters (POT's names and defaults).
struct TuningScope {
    /// tuning_scope: any of bits, mode, granularity, range_estimator, layer (default: none).
    std::set<std::string> keys;
    /// estimator_tuning_scope: any of preset, aggregator, type, outlier_prob (default: all).
    std::set<std::string> estimator_keys;
    /// outlier_prob_choices, each in (0, 0.5) (default: 1e-3, 1e-4, 1e-5).
    std::vector<double> outlier_probs;

    bool has(const std::string& key) const { return keys.count(key) != 0; }
};

/// Reads tuning_scope, estimator_tuning_scope and outlier_prob_choices from `params` (and marks
/// them known). An unknown entry or a bad probability is a Config error naming its JSON path
/// (".../tuning_scope/1").
TuningScope parse_tuning_scope(const Params& params);

/// The choices of an op with `traits` around `base`: `base` first, then, in a fixed order, every
/// other configuration that differs from `base` only in keys of `scope` (POT's rule), and "float"
/// last when `scope` has "layer". `configured` is the op's choice without a trial; a "float" base
/// offers "float" first and then the quantized choices around `configured`. Every choice is
/// normalized().
std::vector<OpChoice> op_choices(const OpChoice& base, const OpChoice& configured,
                                 const OpTraits& traits, const TuningScope& scope);

/// What a trial may set for the op: every choice op_choices() offers around `configured` and,
/// transitively, around each choice it offers. It does not depend on the base a trial made, so
/// neither do the trials accepted nor the statistics collected for them.
std::vector<OpChoice> reachable_choices(const OpChoice& configured, const OpTraits& traits,
                                        const TuningScope& scope);

}  // namespace pot::min_max
