#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "pot/graph.hpp"

namespace pot::core {

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
