#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"
#include "settings.hpp"

namespace pot::accuracy_aware {

/// A layer's score in a ranking: the higher, the more putting it back in float helps.
struct RankedLayer {
    std::string layer;
    double score = 0;
};

/// The samples a ranking runs on: the `size` samples of `indices` whose score fell the most from
/// the float model to the quantized one (`float_scores` and `quantized_scores` follow `indices`),
/// ties in evaluation order. `higher_is_better` orients the scores.
std::vector<size_t> ranking_subset(const std::vector<size_t>& indices, const std::vector<double>& float_scores,
                                   const std::vector<double>& quantized_scores, bool higher_is_better,
                                   size_t size);

/// Ranks `candidates`, layers of `graph`, by what putting each one alone back in float does on
/// samples `subset` of the evaluation data: with RankingMethod::Metric the metric's value
/// (oriented so that higher is better), with RankingMethod::OutputError the negated normalized mean
/// squared error of the model outputs against the float model's. Best first, ties by name.
/// `out_of_time` is asked before each candidate; when it says yes the ranking stops and returns
/// what it has scored (the caller then stops too).
std::vector<RankedLayer> rank_layers(const Graph& graph, const std::vector<std::string>& candidates,
                                     const std::vector<size_t>& subset, RankingMethod method,
                                     HostServices& host, const std::function<bool()>& out_of_time);

}  // namespace pot::accuracy_aware
