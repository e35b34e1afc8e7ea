#pragma once

#include "biased_op.hpp"
#include "pot/graph.hpp"

namespace pot::bias_correction {

/// Names of the input and outputs of the graph make_weight_error_graph() builds.
inline constexpr const char* kOpGraphInput = "src";
inline constexpr const char* kOpGraphQuantizedOutput = "dst";
inline constexpr const char* kOpGraphFloatOutput = "dst_fp32";

/// The op of `op` alone, as in `graph` (which has FakeQuantize inserted), twice on one input
/// kOpGraphInput of shape `src_shape`, both without bias: with its weights through a copy of
/// their FakeQuantize (output kOpGraphQuantizedOutput, first) and with the float weights (output
/// kOpGraphFloatOutput, second). Throws naming the op when its weights are not quantized.
Graph make_weight_error_graph(const Graph& graph, const BiasedOp& op, const Shape& src_shape);

}  // namespace pot::bias_correction
