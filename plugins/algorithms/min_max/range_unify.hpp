#pragma once

#include <map>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "range_estimation.hpp"

namespace pot::min_max {

/// How much wider than its own grid a shared one may make an input of an Add whose sum stays in
/// float: 16x costs 4 of its 8 bits.
inline constexpr double kMaxSharedRangeWidening = 16.0;

/// Groups of quantized values that must share one range: the inputs of each Concat and both
/// inputs of each Add that appear in `ranges`, merged transitively (a value feeding two such ops
/// joins both groups). Groups have at least two values; each is sorted by name.
///
/// An Add whose output is not quantized (its sum goes on in float, e.g. into a Softmax) joins its
/// inputs only while neither grid would widen more than kMaxSharedRangeWidening times: sharing
/// would round the narrow input to a few codes for nothing (Swin's attention scores, +-0.17,
/// beside its shifted-window mask of 0 and -100, all became 0). Where the sum is quantized its own
/// grid rounds the narrow input just as much, so sharing costs nothing there. The inputs of the
/// Adds left out go to `kept_apart` when given.
std::vector<std::vector<std::string>> shared_range_groups(const Graph& graph,
                                                          const std::map<std::string, ValueRange>& ranges,
                                                          std::vector<std::string>* kept_apart = nullptr);

/// Sets every value of every shared_range_groups() group to the union of the group's ranges, so
/// their FakeQuantize ops get the same scale and zero point. Returns the groups.
std::vector<std::vector<std::string>> unify_ranges(const Graph& graph,
                                                   std::map<std::string, ValueRange>& ranges,
                                                   std::vector<std::string>* kept_apart = nullptr);

}  // namespace pot::min_max
