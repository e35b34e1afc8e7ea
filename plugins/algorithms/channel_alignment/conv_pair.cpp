#include "conv_pair.hpp"

#include <algorithm>

namespace pot::channel_alignment {

namespace {

bool is_op(const Node& node, const char* op_type) {
    return node.op_type == op_type && node.domain.empty();
}

// A Conv with constant f32 weights [C_out, C_in/group, k...] and an optional constant bias [C_out].
bool has_constant_parameters(const Graph& graph, const Node& conv) {
    if (conv.inputs.size() < 2 || conv.outputs.size() != 1 || !graph.is_constant(conv.inputs[1]))
        return false;
    const Tensor& w = graph.constant(conv.inputs[1]);
    if (w.dtype() != DType::F32 || w.rank() < 3) return false;
    if (conv.inputs.size() < 3 || conv.inputs[2].empty()) return true;
    if (!graph.is_constant(conv.inputs[2])) return false;
    const Tensor& b = graph.constant(conv.inputs[2]);
    return b.dtype() == DType::F32 && b.numel() == w.dim(0);
}

bool all_equal(const std::vector<int64_t>& values, int64_t wanted) {
    return std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == wanted; });
}

// Consumer conditions: each output pixel reads exactly the input pixel at its position, so a
// per-channel affine change of the input can be undone in the weights and bias.
bool is_pointwise_conv(const Graph& graph, const Node& conv) {
    if (!is_op(conv, "Conv") || !has_constant_parameters(graph, conv)) return false;
    const Tensor& w = graph.constant(conv.inputs[1]);
    for (int64_t d = 2; d < w.rank(); ++d)
        if (w.dim(d) != 1) return false;
    return conv.attr_int("group", 1) == 1 && all_equal(conv.attr_ints("strides"), 1) &&
           all_equal(conv.attr_ints("pads"), 0);
}

// The single reader of `value`, when it has exactly one and is not a graph output.
const Node* only_reader(const Graph& graph, const std::string& value) {
    if (graph.is_output(value)) return nullptr;
    const auto readers = graph.consumers(value);
    return readers.size() == 1 ? &graph.nodes[readers[0]] : nullptr;
}

}  // namespace

std::vector<ConvPair> find_conv_pairs(const Graph& graph, const common::IgnoredScope& scope) {
    const auto ignored = scope.resolve(graph);
    std::vector<ConvPair> pairs;
    for (const Node& producer : graph.nodes) {
        if (!is_op(producer, "Conv") || ignored.count(producer.name) ||
            !has_constant_parameters(graph, producer))
            continue;
        std::string value = producer.outputs[0];
        const Node* next = only_reader(graph, value);
        if (!next) continue;
        bool through_relu = false;
        if (is_op(*next, "Relu") && next->outputs.size() == 1) {
            through_relu = true;
            value = next->outputs[0];
            next = only_reader(graph, value);
            if (!next) continue;
        }
        if (!is_pointwise_conv(graph, *next) || next->inputs[0] != value || ignored.count(next->name))
            continue;
        const int64_t channels = graph.constant(producer.inputs[1]).dim(0);
        if (graph.constant(next->inputs[1]).dim(1) != channels) continue;
        pairs.push_back({producer.name, next->name, value, channels, through_relu, producer.outputs[0]});
    }
    return pairs;
}

}  // namespace pot::channel_alignment
