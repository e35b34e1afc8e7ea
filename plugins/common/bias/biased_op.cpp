#include "biased_op.hpp"

#include "pot/fake_quantize_node.hpp"

namespace pot::bias_correction {

namespace {

bool is_op(const Node& node, const char* op_type) {
    return node.op_type == op_type && node.domain.empty();
}

const Tensor* float_constant(const Graph& graph, const std::string& value) {
    if (value.empty() || !graph.is_constant(value)) return nullptr;
    const Tensor& t = graph.constant(value);
    return t.dtype() == DType::F32 ? &t : nullptr;
}

// A bias constant that adds one value per channel along the last axis of the output.
bool is_channel_bias(const Tensor* bias, int64_t channels) {
    return bias && bias->numel() == channels &&
           (bias->rank() == 0 ? channels == 1 : bias->dim(-1) == channels);
}

std::optional<BiasedOp> conv_or_gemm(const Graph& graph, const Node& node) {
    if (node.inputs.size() < 3 || node.outputs.size() != 1) return std::nullopt;
    const Tensor* w = float_constant(graph, node.inputs[1]);
    const Tensor* b = float_constant(graph, node.inputs[2]);
    if (!w || !b) return std::nullopt;
    int64_t channels = 0;
    if (is_op(node, "Conv")) {
        if (w->rank() < 3) return std::nullopt;
        channels = w->dim(0);
    } else {
        if (w->rank() != 2 || node.attr_int("transA", 0) != 0 ||
            node.attr_float("beta", 1.0f) == 0.0f)
            return std::nullopt;
        channels = node.attr_int("transB", 0) ? w->dim(0) : w->dim(1);
    }
    if (b->numel() != channels) return std::nullopt;
    return BiasedOp{node.name, node.name, 2, node.inputs[0], node.outputs[0], channels, 1};
}

std::optional<BiasedOp> matmul_add(const Graph& graph, const Node& node) {
    if (node.inputs.size() != 2 || node.outputs.size() != 1 || graph.is_output(node.outputs[0]))
        return std::nullopt;
    const Tensor* w = float_constant(graph, node.inputs[1]);
    if (!w || w->rank() != 2) return std::nullopt;
    const auto readers = graph.consumers(node.outputs[0]);
    if (readers.size() != 1) return std::nullopt;
    const Node& add = graph.nodes[readers[0]];
    if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1)
        return std::nullopt;
    const size_t bias_input = add.inputs[0] == node.outputs[0] ? 1 : 0;
    if (add.inputs[1 - bias_input] != node.outputs[0]) return std::nullopt;
    if (!is_channel_bias(float_constant(graph, add.inputs[bias_input]), w->dim(1)))
        return std::nullopt;
    return BiasedOp{node.name, add.name, bias_input, node.inputs[0], add.outputs[0], w->dim(1), -1};
}

float bias_gain(const Graph& graph, const BiasedOp& op) {
    const Node& node = graph.nodes[node_index(graph, op.bias_node)];
    return is_op(node, "Gemm") ? node.attr_float("beta", 1.0f) : 1.0f;
}

}  // namespace

std::vector<BiasedOp> find_biased_ops(const Graph& graph) {
    std::vector<BiasedOp> ops;
    for (const Node& node : graph.nodes) {
        if (!node.inputs.empty() && graph.is_constant(node.inputs[0])) continue;
        std::optional<BiasedOp> op;
        if (is_op(node, "Conv") || is_op(node, "Gemm"))
            op = conv_or_gemm(graph, node);
        else if (is_op(node, "MatMul"))
            op = matmul_add(graph, node);
        if (op) ops.push_back(*op);
    }
    return ops;
}

bool resolve_channel_axis(BiasedOp& op, int64_t src_rank) {
    if (src_rank < 2) return false;
    if (op.channel_axis < 0) op.channel_axis = src_rank - 1;
    return op.channel_axis < src_rank;
}

std::vector<float> read_bias(const Graph& graph, const BiasedOp& op) {
    const Node& node = graph.nodes[node_index(graph, op.bias_node)];
    auto bias = graph.constant(node.inputs.at(op.bias_input)).to_floats();
    POT_CHECK(static_cast<int64_t>(bias.size()) == op.channels, node.describe(), ": bias has ",
              bias.size(), " values, expected ", op.channels);
    const float gain = bias_gain(graph, op);
    for (auto& b : bias) b *= gain;
    return bias;
}

void write_bias(Graph& graph, const BiasedOp& op, const std::vector<float>& bias) {
    POT_CHECK(static_cast<int64_t>(bias.size()) == op.channels, "bias correction of '", op.node,
              "': ", bias.size(), " bias values for ", op.channels, " channels");
    const float gain = bias_gain(graph, op);
    // A bias other nodes share is copied first, so only this op changes.
    Tensor& constant =
        owned_constant(graph, node_index(graph, op.bias_node), op.bias_input, "/corrected");
    float* dst = constant.data<float>();
    for (size_t c = 0; c < bias.size(); ++c) dst[c] = bias[c] / gain;
}

std::optional<size_t> weight_quantizer(const Graph& graph, const Node& op) {
    const auto quantizers = quantizers_of(graph, op);
    if (quantizers.size() < 2 || !quantizers[1]) return std::nullopt;
    const Node& fq = graph.nodes[*quantizers[1]];
    if (fq.inputs.empty() || !graph.is_constant(fq.inputs[0])) return std::nullopt;
    return quantizers[1];
}

}  // namespace pot::bias_correction
