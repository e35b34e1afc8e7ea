#pragma once

#include <string>

#include "pot/graph.hpp"

namespace pot::bias_correction {

/// The part of `graph` that computes `value`: the nodes it depends on (in order) and the constants
/// they read, every graph input (data loaders feed them all), and `value` as the only output.
/// Running it costs only the layers up to `value`.
Graph graph_prefix(const Graph& graph, const std::string& value);

}  // namespace pot::bias_correction
