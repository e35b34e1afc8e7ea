#include <algorithm>

#include "constant_eval.hpp"
#include "pot/core/graph_transforms.hpp"
#include "reference_ops.hpp"

namespace pot::core {

namespace {
bool is_static(const Shape& shape) {
    return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

/// The folded outputs of `node`, or nullopt when it stays.
std::optional<std::vector<Tensor>> try_fold(const Graph& graph, const Node& node) {
    if (node.outputs.empty()) return std::nullopt;
    for (const auto& out : node.outputs)
        if (out.empty() || graph.is_output(out)) return std::nullopt;
    if (node.op_type == "Shape" && (node.domain.empty() || node.domain == "ai.onnx")) {
        if (node.inputs.size() != 1 || node.outputs.size() != 1) return std::nullopt;
        const auto shape = graph.shape_of(node.inputs[0]);
        // A value without any recorded shape reads as rank 0 only when it really is a constant.
        if (!shape || !is_static(*shape)) return std::nullopt;
        if (shape->empty() && !graph.is_constant(node.inputs[0]) &&
            !graph.value_info.count(node.inputs[0]))
            return std::nullopt;
        return std::vector<Tensor>{reference::shape_output(node, *shape)};
    }
    if (!transforms::is_foldable_op(node)) return std::nullopt;
    std::vector<const Tensor*> inputs;
    for (const auto& in : node.inputs) {
        if (in.empty()) {
            inputs.push_back(nullptr);
            continue;
        }
        if (!graph.is_constant(in)) return std::nullopt;
        inputs.push_back(&graph.constant(in));
    }
    auto outputs = transforms::evaluate_constant_node(node, inputs, graph.opset);
    if (!outputs || outputs->size() != node.outputs.size()) return std::nullopt;
    return outputs;
}
}  // namespace

void fold_constants(Graph& graph) {
    std::vector<Node> kept;
    kept.reserve(graph.nodes.size());
    bool changed = false;
    for (auto& node : graph.nodes) {
        auto outputs = try_fold(graph, node);
        if (!outputs) {
            kept.push_back(std::move(node));
            continue;
        }
        for (size_t i = 0; i < outputs->size(); ++i) {
            graph.initializers[node.outputs[i]] = std::move((*outputs)[i]);
            graph.value_info.erase(node.outputs[i]);
        }
        changed = true;
    }
    graph.nodes = std::move(kept);
    if (changed) graph.remove_unused_constants();
}

}  // namespace pot::core
