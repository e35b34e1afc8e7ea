#pragma once

#include <set>
#include <string>

#include "pot/graph.hpp"

namespace pot::cpu {

/// Domain of the nodes the engine writes into its own copy of a graph (never seen outside it).
inline constexpr const char* kEngineDomain = "pot.cpu";

/// `graph` with every spelled-out activation (pot/activation_patterns.hpp) and LayerNorm replaced
/// by one node computing it, run as one oneDNN operation (an activation often as a post-op of the
/// op before) instead of two to nine primitives: HardSwish and LayerNormalization (over the last
/// axis) as ONNX ops, Swish (x * sigmoid(x)) and Gelu (erf form) as ops of kEngineDomain (ONNX
/// has no Swish, and Gelu only from opset 20). The node takes the name of the pattern's last
/// node. A pattern whose inner values are `observed` is kept as it is.
Graph with_spelled_activations_fused(const Graph& graph, const std::set<std::string>& observed);

}  // namespace pot::cpu
