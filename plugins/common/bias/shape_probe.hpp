#pragma once

#include <map>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"

namespace pot::bias_correction {

/// Shapes of `values` in `graph`, batch dimension (the first) set to 1. Taken from the graph's
/// shape information when every other dimension is known; otherwise the first calibration sample
/// is run through host.engine() to observe them (the engine then holds `graph`). Throws naming
/// the value when a shape stays unknown.
std::map<std::string, Shape> value_shapes(const Graph& graph,
                                          const std::vector<std::string>& values,
                                          HostServices& host);

}  // namespace pot::bias_correction
