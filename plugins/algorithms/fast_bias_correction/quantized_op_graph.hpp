#pragma once

#include "biased_op.hpp"
#include "pot/graph.hpp"

namespace pot::bias_correction {

/// Names of the input and output of the graph make_quantized_op_graph() builds.
inline constexpr const char* kOpGraphInput = "src";
inline constexpr const char* kOpGraphOutput = "dst";

/// The op of `op` alone, quantized as in `graph` (which has FakeQuantize inserted): input
/// kOpGraphInput of shape `src_shape` through a copy of the op's input FakeQuantize (when it has
/// one), weights through a copy of their FakeQuantize, no bias; output kOpGraphOutput.
/// Throws naming the op when its weights are not quantized.
Graph make_quantized_op_graph(const Graph& graph, const BiasedOp& op, const Shape& src_shape);

}  // namespace pot::bias_correction
