#include <algorithm>

#include "node_removal.hpp"
#include "pot/core/graph_transforms.hpp"

namespace pot::core {

namespace {
bool is_graph_input(const Graph& graph, const std::string& value) {
    for (const auto& in : graph.inputs)
        if (in.name == value) return true;
    return false;
}

/// True for a Pad that adds nothing: every pad zero, as constant `pads` input (opset 11+) or
/// attribute. PyTorch writes one before each AveragePool it exports with padding 0.
bool pads_nothing(const Graph& graph, const Node& node) {
    const std::vector<int64_t> pads = constant_pads(graph, node);
    return !pads.empty() && std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
}

/// True for an Identity, a Pad that pads nothing, a Concat of one input (DenseNet's first layer of
/// each block), or a Dropout that passes its data through unchanged (inference mode) and whose
/// mask nobody reads.
bool is_pass_through(const Graph& graph, const Node& node) {
    if (node.inputs.empty() || node.inputs[0].empty() || node.outputs.empty()) return false;
    if (is_onnx_op(node, "Identity")) return node.outputs.size() == 1;
    if (is_onnx_op(node, "Concat")) return node.inputs.size() == 1 && node.outputs.size() == 1;
    if (is_onnx_op(node, "Pad")) return node.outputs.size() == 1 && pads_nothing(graph, node);
    if (!is_onnx_op(node, "Dropout")) return false;
    if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
        const auto& training = node.inputs[2];
        if (!graph.is_constant(training)) return false;
        const auto flags = graph.constant(training).to_ints();
        if (flags.size() != 1 || flags[0] != 0) return false;
    }
    for (size_t i = 1; i < node.outputs.size(); ++i) {
        const auto& mask = node.outputs[i];
        if (!mask.empty() && (graph.is_output(mask) || !graph.consumers(mask).empty())) return false;
    }
    return true;
}

/// Rewires around pass-through node `index`; false when the node has to stay.
bool bypass(Graph& graph, size_t index) {
    const std::string src = graph.nodes[index].inputs[0];
    const std::string dst = graph.nodes[index].outputs[0];
    if (!graph.is_output(dst)) {
        graph.replace_uses(dst, src);
        graph.value_info.erase(dst);
        return true;
    }
    // `dst` names a graph output: the producer of `src` takes that name instead.
    if (graph.is_output(src) || is_graph_input(graph, src) || graph.is_constant(src)) return false;
    auto producer = graph.producer(src);
    if (!producer || *producer == index) return false;
    for (auto& out : graph.nodes[*producer].outputs)
        if (out == src) out = dst;
    graph.replace_uses(src, dst);
    graph.value_info.erase(src);
    return true;
}
}  // namespace

void remove_identities(Graph& graph) {
    remove_nodes(graph, [&](size_t i) { return is_pass_through(graph, graph.nodes[i]) && bypass(graph, i); });
}

}  // namespace pot::core
