#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pot/graph.hpp"

namespace pot::bias_correction {

/// An op with constant weights whose output gets a constant bias per channel: Conv or Gemm with
/// a bias input, or a MatMul whose only reader is an Add of a constant.
struct BiasedOp {
    std::string node;       ///< the Conv, Gemm or MatMul
    std::string bias_node;  ///< the node reading the bias: `node`, or the Add after a MatMul
    size_t bias_input = 2;  ///< input of `bias_node` holding the bias constant
    std::string src;        ///< data input of `node`, named as in the graph it was found in
    std::string dst;        ///< biased output (of `bias_node`), named as in that graph
    int64_t channels = 0;   ///< output channels = bias values
    /// Channel axis of `src` and `dst`: 1 for Conv and Gemm, the last for MatMul; -1 until the
    /// rank of `src` is known (see resolve_channel_axis).
    int64_t channel_axis = 1;
};

/// Every biased op of `graph` in node order. Ops with transposed Gemm inputs (transA), Gemm with
/// beta = 0, weights that are not constant f32 matrices/filters, or biases whose size is not the
/// channel count are left out.
std::vector<BiasedOp> find_biased_ops(const Graph& graph);

/// Fills op.channel_axis from the rank of its data input (MatMul); false when it cannot be used
/// (rank < 2).
bool resolve_channel_axis(BiasedOp& op, int64_t src_rank);

/// The bias as it adds to the output, one value per channel (Gemm: beta * C).
std::vector<float> read_bias(const Graph& graph, const BiasedOp& op);

/// Makes `bias` (one value per channel, as read_bias returns it) the op's bias, keeping the
/// constant's shape. A constant other nodes read too is copied first, so only this op changes.
void write_bias(Graph& graph, const BiasedOp& op, const std::vector<float>& bias);

/// In a graph with FakeQuantize inserted: the FakeQuantize on the constant weights of `op`.
std::optional<size_t> weight_quantizer(const Graph& graph, const Node& op);

}  // namespace pot::bias_correction
