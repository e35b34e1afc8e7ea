#pragma once

#include <string>
#include <vector>

#include "pot/algorithm.hpp"

namespace pot::accuracy_aware {

/// One set of base-algorithm parameters tune_hyperparams tries, and what it changes.
struct Candidate {
    std::string change;
    AlgorithmSpec spec;
};

/// tune_hyperparams, first round: `base` with the activation range estimator replaced by each of
/// POT's choices (global min or mean quantile low, with global max or mean quantile high, outlier
/// probability 1e-3 or 1e-4); the other activation and weight settings stay.
std::vector<Candidate> range_candidates(const AlgorithmSpec& base);

/// Second round, for DefaultQuantization: `best` with BiasCorrection instead of FastBiasCorrection
/// (use_fast_bias false), unless `best` already says so. Empty for other base algorithms.
std::vector<Candidate> bias_candidates(const AlgorithmSpec& best);

}  // namespace pot::accuracy_aware
