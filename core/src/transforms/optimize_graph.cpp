#include "pot/core/graph_transforms.hpp"

namespace pot::core {

void optimize_graph(Graph& graph) {
    // Every transform that changes the graph removes at least one node, so the node count
    // tells when the fixed point is reached.
    size_t before = 0;
    do {
        before = graph.nodes.size();
        remove_identities(graph);
        fold_constants(graph);
        fold_batch_norm(graph);
        fold_pads(graph);
    } while (graph.nodes.size() < before);
}

}  // namespace pot::core
