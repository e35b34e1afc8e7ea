#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pot {

/// A model's score on evaluation samples, with the score of each sample so that callers can see
/// which samples a change broke (ranking layers, choosing subsets).
/// @since ABI 2.0
struct EvaluationResult {
    std::string metric;             ///< the metric's name ("accuracy@top1", "agreement@top1")
    bool higher_is_better = true;
    double value = 0;               ///< over every sample evaluated
    std::vector<size_t> indices;    ///< the samples of the evaluation data, in evaluation order
    std::vector<double> per_sample; ///< the metric's score of each, in the same order
};

}  // namespace pot
