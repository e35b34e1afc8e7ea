#include <unordered_map>
#include <unordered_set>

#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot {

namespace {

// Indexes readers and producers once, so removing every quantizer of a deep model stays linear in
// its size instead of scanning the graph per quantizer.
class QuantizerRemoval {
public:
    // Removes the FakeQuantize nodes `only` names, or every one when it is null.
    QuantizerRemoval(Graph& graph, const std::unordered_set<std::string>* only) : graph_(graph), only_(only) {
        for (size_t i = 0; i < graph.nodes.size(); ++i) {
            for (const auto& in : graph.nodes[i].inputs)
                if (!in.empty()) ++readers_[in];
            for (const auto& out : graph.nodes[i].outputs) producer_[out] = i;
        }
        for (const auto& out : graph.outputs) graph_outputs_.insert(out.name);
    }

    size_t run() {
        std::vector<bool> drop(graph_.nodes.size(), false);
        std::unordered_set<std::string> bounds;
        size_t removed = 0;
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            Node& node = graph_.nodes[i];
            if (!is_fake_quantize(node) || node.inputs.empty() || node.outputs.size() != 1) continue;
            if (only_ && !only_->count(node.name)) continue;
            ++removed;
            bounds.insert(node.inputs.begin() + 1, node.inputs.end());
            const std::string src = resolve(node.inputs[0]);
            const std::string dst = node.outputs[0];
            if (give_name_back(src, dst)) {
                drop[i] = true;
            } else if (graph_outputs_.count(dst)) {
                node = Node{node.name, "Identity", "", {src}, {dst}, {}};
            } else {
                // Readers of dst read src from now on; this node no longer does.
                renamed_[dst] = src;
                readers_[src] += readers_[dst] - 1;
                graph_.value_info.erase(dst);
                drop[i] = true;
            }
        }
        std::vector<Node> kept;
        kept.reserve(graph_.nodes.size());
        std::unordered_set<std::string> read;
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            if (drop[i]) continue;
            Node& node = graph_.nodes[i];
            for (auto& in : node.inputs) in = resolve(in);
            read.insert(node.inputs.begin(), node.inputs.end());
            kept.push_back(std::move(node));
        }
        graph_.nodes = std::move(kept);
        for (const auto& bound : bounds)
            if (!read.count(bound) && !graph_outputs_.count(bound)) graph_.initializers.erase(bound);
        return removed;
    }

private:
    // The value that stands for `value` once the quantizers before it are gone.
    std::string resolve(std::string value) const {
        for (auto it = renamed_.find(value); it != renamed_.end(); it = renamed_.find(value))
            value = it->second;
        return value;
    }

    // When `src` is a node output that only the quantizer reads, its producer writes `dst` instead
    // (undoing insert_fake_quantize's renaming), and no reader needs to change.
    bool give_name_back(const std::string& src, const std::string& dst) {
        const auto producer = producer_.find(src);
        if (producer == producer_.end() || readers_[src] != 1 || graph_outputs_.count(src))
            return false;
        for (auto& out : graph_.nodes[producer->second].outputs)
            if (out == src) out = dst;
        producer_[dst] = producer->second;
        producer_.erase(producer);
        if (auto info = graph_.value_info.find(src); info != graph_.value_info.end()) {
            if (!graph_.value_info.count(dst)) {
                ValueInfo renamed = info->second;
                renamed.name = dst;
                graph_.value_info[dst] = renamed;
            }
            graph_.value_info.erase(src);
        }
        return true;
    }

    Graph& graph_;
    const std::unordered_set<std::string>* only_;
    std::unordered_map<std::string, size_t> readers_;   ///< node inputs reading each value
    std::unordered_map<std::string, size_t> producer_;  ///< node writing each value
    std::unordered_set<std::string> graph_outputs_;
    std::unordered_map<std::string, std::string> renamed_;  ///< removed quantizer output -> its source
};

}  // namespace

size_t remove_fake_quantize(Graph& graph) { return QuantizerRemoval(graph, nullptr).run(); }

size_t remove_fake_quantize(Graph& graph, const std::vector<std::string>& node_names) {
    const std::unordered_set<std::string> only(node_names.begin(), node_names.end());
    for (const auto& name : only) {
        const auto index = graph.find_node(name);
        POT_CHECK_KIND(Input, index && is_fake_quantize(graph.nodes[*index]), "graph '", graph.name,
                       "': no FakeQuantize node is called '", name, "'");
    }
    return QuantizerRemoval(graph, &only).run();
}

}  // namespace pot
