#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "range_estimation.hpp"

namespace pot::min_max {

/// How much wider than its own grid a shared one may make an input of an Add whose sum stays in
/// float: 16x costs 4 of its 8 bits.
inline constexpr double kMaxSharedRangeWidening = 16.0;

/// Groups of quantized values that must share one range: the inputs that appear in `ranges` of
/// each node whose op type is in `op_types` (the hardware config's unified_scales: Add and Concat
/// for the CPU), merged transitively (a value feeding two such ops joins both groups). Groups have
/// at least two values; each is sorted by name.
///
/// A two-input op other than Concat whose output is not quantized (an Add whose sum goes on in
/// float, e.g. into a Softmax) joins its inputs only while neither grid would widen more than
/// kMaxSharedRangeWidening times: sharing
/// would round the narrow input to a few codes for nothing (Swin's attention scores, +-0.17,
/// beside its shifted-window mask of 0 and -100, all became 0). Where the sum is quantized its own
/// grid rounds the narrow input just as much, so sharing costs nothing there. The inputs of the
/// Adds left out go to `kept_apart` when given.
std::vector<std::vector<std::string>> shared_range_groups(const Graph& graph,
                                                          const std::map<std::string, ValueRange>& ranges,
                                                          const std::set<std::string>& op_types,
                                                          std::vector<std::string>* kept_apart = nullptr);

/// Sets every value of every shared_range_groups() group to the union of the group's ranges, so
/// their FakeQuantize ops get the same scale and zero point. Returns the groups.
std::vector<std::vector<std::string>> unify_ranges(const Graph& graph,
                                                   std::map<std::string, ValueRange>& ranges,
                                                   const std::set<std::string>& op_types,
                                                   std::vector<std::string>* kept_apart = nullptr);

}  // namespace pot::min_max
