#include "spelled_activations.hpp"

#include <unordered_map>

#include "pot/activation_patterns.hpp"

namespace pot::cpu {

Graph with_spelled_activations_fused(const Graph& graph, const std::set<std::string>& observed) {
    std::unordered_map<std::string, std::vector<size_t>> readers;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        for (const auto& in : graph.nodes[i].inputs) {
            auto& list = readers[in];
            if (list.empty() || list.back() != i) list.push_back(i);
        }
    const ValueReaders lookup = [&readers](const std::string& value) {
        const auto it = readers.find(value);
        return it == readers.end() ? std::vector<size_t>{} : it->second;
    };

    // Patterns never share nodes: every value inside one has a single reader, itself.
    std::vector<int> pattern_of(graph.nodes.size(), -1);
    std::vector<SpelledActivation> patterns;
    auto try_value = [&](const std::string& value) {
        auto found = match_spelled_activation(graph, value, lookup);
        if (!found) return;
        for (size_t k = 0; k + 1 < found->nodes.size(); ++k)
            for (const auto& inner : graph.nodes[found->nodes[k]].outputs)
                if (observed.count(inner)) return;
        for (size_t n : found->nodes) pattern_of[n] = static_cast<int>(patterns.size());
        patterns.push_back(std::move(*found));
    };
    for (const auto& in : graph.inputs) try_value(in.name);
    for (const auto& node : graph.nodes)
        for (const auto& out : node.outputs) try_value(out);
    if (patterns.empty()) return graph;

    Graph fused = graph;
    fused.nodes.clear();
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (pattern_of[i] < 0) {
            fused.nodes.push_back(graph.nodes[i]);
            continue;
        }
        const SpelledActivation& p = patterns[static_cast<size_t>(pattern_of[i])];
        // In a sorted graph the output's producer comes after the rest of the pattern.
        if (i != p.nodes.back()) continue;
        Node node;
        node.name = graph.nodes[i].name;
        node.op_type = p.op_type;
        node.domain = p.op_type == "HardSwish" ? "" : kEngineDomain;
        node.inputs = {p.input};
        node.outputs = {p.output};
        fused.nodes.push_back(std::move(node));
    }
    return fused;
}

}  // namespace pot::cpu
