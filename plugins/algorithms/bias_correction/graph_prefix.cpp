#include "graph_prefix.hpp"

#include <algorithm>
#include <set>

namespace pot::bias_correction {

Graph graph_prefix(const Graph& graph, const std::string& value) {
    POT_CHECK(graph.producer(value).has_value(), "no node of '", graph.name, "' produces '", value,
              "'");
    std::set<std::string> needed{value};
    std::vector<bool> keep(graph.nodes.size(), false);
    // Nodes are in topological order: walking backwards sees every reader before its producers.
    for (size_t i = graph.nodes.size(); i-- > 0;) {
        const Node& node = graph.nodes[i];
        const bool used = std::any_of(node.outputs.begin(), node.outputs.end(),
                                      [&](const std::string& o) { return needed.count(o) != 0; });
        if (!used) continue;
        keep[i] = true;
        for (const auto& in : node.inputs)
            if (!in.empty()) needed.insert(in);
    }
    Graph prefix;
    prefix.name = graph.name;
    prefix.opset = graph.opset;
    prefix.inputs = graph.inputs;
    prefix.value_info = graph.value_info;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        if (keep[i]) prefix.nodes.push_back(graph.nodes[i]);
    for (const auto& [name, tensor] : graph.initializers)
        if (needed.count(name)) prefix.initializers[name] = tensor;
    prefix.outputs.push_back({value, DType::F32, graph.shape_of(value).value_or(Shape{})});
    return prefix;
}

}  // namespace pot::bias_correction
