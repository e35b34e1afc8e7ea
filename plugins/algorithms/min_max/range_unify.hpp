#pragma once

#include <map>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "range_estimation.hpp"

namespace pot::min_max {

/// Groups of quantized values that must share one range: the inputs of each Concat and both
/// inputs of each Add that appear in `ranges`, merged transitively (a value feeding two such ops
/// joins both groups). Groups have at least two values; each is sorted by name.
std::vector<std::vector<std::string>> shared_range_groups(const Graph& graph,
                                                          const std::map<std::string, ValueRange>& ranges);

/// Sets every value of every shared_range_groups() group to the union of the group's ranges, so
/// their FakeQuantize ops get the same scale and zero point. Returns the groups.
std::vector<std::vector<std::string>> unify_ranges(const Graph& graph,
                                                   std::map<std::string, ValueRange>& ranges);

}  // namespace pot::min_max
