#pragma once

#include <set>
#include <string>

#include "pot/graph.hpp"

namespace pot::cpu {

/// Domain of the nodes the engine writes into its own copy of a graph (never seen outside it).
inline constexpr const char* kEngineDomain = "pot.cpu";

/// `graph` with every spelled-out activation (pot/activation_patterns.hpp) replaced by one node
/// computing it, so that it runs as one oneDNN eltwise operation (or post-op of the op before)
/// instead of three to four primitives: HardSwish (ONNX op) and Swish (op "Swish" of
/// kEngineDomain, x * sigmoid(x)). The node takes the name of the pattern's last node. A pattern
/// whose inner values are `observed` is kept as it is.
Graph with_spelled_activations_fused(const Graph& graph, const std::set<std::string>& observed);

}  // namespace pot::cpu
