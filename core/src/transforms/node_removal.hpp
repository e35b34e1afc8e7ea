#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "pot/graph.hpp"

namespace pot::core {

/// True for `op` of the default ONNX domain.
inline bool is_onnx_op(const Node& node, const char* op) {
    return node.op_type == op && (node.domain.empty() || node.domain == "ai.onnx");
}

/// The pads of a Pad node (begin values of every axis, then end values): its constant `pads`
/// input (opset 11+) or attribute (before); empty when they are not known constants.
inline std::vector<int64_t> constant_pads(const Graph& graph, const Node& node) {
    if (node.inputs.size() > 1 && !node.inputs[1].empty())
        return graph.is_constant(node.inputs[1]) ? graph.constant(node.inputs[1]).to_ints() : std::vector<int64_t>{};
    return node.attr_ints("pads", {});
}

/// Offers every node to `try_remove(index)`, which rewires the graph around the node and returns
/// true when it is to go. A removed node is emptied at once (no inputs or outputs), so later calls
/// never see it as a producer or consumer; afterwards the removed nodes and the constants nothing
/// reads any more leave the graph. Returns whether anything was removed.
template <typename TryRemove>
bool remove_nodes(Graph& graph, TryRemove&& try_remove) {
    std::vector<bool> removed(graph.nodes.size(), false);
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (!try_remove(i)) continue;
        graph.nodes[i].inputs.clear();
        graph.nodes[i].outputs.clear();
        removed[i] = true;
        changed = true;
    }
    if (!changed) return false;
    std::vector<Node> kept;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        if (!removed[i]) kept.push_back(std::move(graph.nodes[i]));
    graph.nodes = std::move(kept);
    graph.remove_unused_constants();
    return true;
}

}  // namespace pot::core
