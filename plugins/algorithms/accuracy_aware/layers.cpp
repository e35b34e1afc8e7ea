#include "layers.hpp"

#include <algorithm>
#include <set>

#include "pot/fake_quantize_node.hpp"

namespace pot::accuracy_aware {

namespace {
// Ops whose outputs are values of their input, moved or selected: reading codes they stay on the
// input's grid and compute nothing, so they are not layers the search could put back in float.
bool moves_values(const Node& node) {
    static const std::set<std::string> kOps = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Squeeze",
                                               "Unsqueeze", "Transpose", "Identity", "Dropout"};
    return node.domain.empty() && kOps.count(node.op_type) != 0 && !node.inputs.empty();
}

// Rewires input `k` of node `index` from its quantizer to the value before it; returns the
// quantizer's index, or nullopt when that input is not quantized.
std::optional<size_t> bypass_quantizer(Graph& graph, size_t index, size_t k) {
    const auto quantizer = quantizers_of(graph, graph.nodes[index])[k];
    if (quantizer) graph.nodes[index].inputs[k] = graph.nodes[*quantizer].inputs[0];
    return quantizer;
}

bool has_reader(const Graph& graph, const std::string& value) {
    return !graph.consumers(value).empty() || graph.is_output(value);
}

// True when `reader` is the only node reading node `index`'s output, quantizers nobody reads aside.
bool only_reader(const Graph& graph, size_t index, size_t reader) {
    const std::string& value = graph.nodes[index].outputs.at(0);
    if (graph.is_output(value)) return false;
    for (size_t r : graph.consumers(value)) {
        if (r == reader) continue;
        if (!is_fake_quantize(graph.nodes[r]) || has_reader(graph, graph.nodes[r].outputs.at(0))) return false;
    }
    return true;
}
}  // namespace

std::vector<std::string> quantized_layers(const Graph& graph) {
    std::vector<std::string> layers;
    for (const auto& node : graph.nodes) {
        if (is_fake_quantize(node) || moves_values(node)) continue;
        const auto quantizers = quantizers_of(graph, node);
        if (std::any_of(quantizers.begin(), quantizers.end(), [](const auto& q) { return q.has_value(); }))
            layers.push_back(node.name);
    }
    return layers;
}

std::vector<std::string> revert_layer(Graph& graph, const std::string& layer) {
    const size_t index = node_index(graph, layer);
    std::vector<size_t> touched;
    auto note = [&](std::optional<size_t> quantizer) {
        if (quantizer && std::find(touched.begin(), touched.end(), *quantizer) == touched.end())
            touched.push_back(*quantizer);
    };
    for (size_t k = 0; k < graph.nodes[index].inputs.size(); ++k) {
        note(bypass_quantizer(graph, index, k));
        // A value-moving op (Flatten, MaxPool) between this layer and an earlier quantizer, read by
        // nothing else (quantizers nobody reads aside), moved codes for this layer only: it reads
        // the float value too now.
        size_t reader = index;
        auto producer = graph.producer(graph.nodes[index].inputs[k]);
        while (producer && moves_values(graph.nodes[*producer]) && only_reader(graph, *producer, reader)) {
            note(bypass_quantizer(graph, *producer, 0));
            reader = *producer;
            producer = graph.producer(graph.nodes[*producer].inputs[0]);
        }
    }
    std::vector<std::string> orphaned;
    for (size_t q : touched) {
        if (!has_reader(graph, graph.nodes[q].outputs.at(0))) orphaned.push_back(graph.nodes[q].name);
    }
    remove_fake_quantize(graph, orphaned);
    return orphaned;
}

}  // namespace pot::accuracy_aware
