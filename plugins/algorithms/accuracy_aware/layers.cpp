#include "layers.hpp"

#include <algorithm>

#include "pot/fake_quantize_node.hpp"

namespace pot::accuracy_aware {

std::vector<std::string> quantized_layers(const Graph& graph) {
    std::vector<std::string> layers;
    for (const auto& node : graph.nodes) {
        if (is_fake_quantize(node)) continue;
        const auto quantizers = quantizers_of(graph, node);
        if (std::any_of(quantizers.begin(), quantizers.end(), [](const auto& q) { return q.has_value(); }))
            layers.push_back(node.name);
    }
    return layers;
}

std::vector<std::string> revert_layer(Graph& graph, const std::string& layer) {
    const size_t index = node_index(graph, layer);
    const auto quantizers = quantizers_of(graph, graph.nodes[index]);
    std::vector<size_t> touched;
    for (size_t k = 0; k < quantizers.size(); ++k) {
        if (!quantizers[k]) continue;
        graph.nodes[index].inputs[k] = graph.nodes[*quantizers[k]].inputs[0];
        if (std::find(touched.begin(), touched.end(), *quantizers[k]) == touched.end())
            touched.push_back(*quantizers[k]);
    }
    std::vector<std::string> orphaned;
    for (size_t q : touched) {
        const std::string& out = graph.nodes[q].outputs.at(0);
        if (graph.consumers(out).empty() && !graph.is_output(out)) orphaned.push_back(graph.nodes[q].name);
    }
    remove_fake_quantize(graph, orphaned);
    return orphaned;
}

}  // namespace pot::accuracy_aware
