#include "pot/graph.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace pot {

namespace {
template <typename T>
const T* attr_as(const Node& node, const std::string& key) {
    auto it = node.attributes.find(key);
    if (it == node.attributes.end()) return nullptr;
    const T* value = std::get_if<T>(&it->second);
    POT_CHECK_KIND(Input, value != nullptr, node.describe(), ": attribute '", key,
                   "' has an unexpected type");
    return value;
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
    const auto* v = attr_as<int64_t>(*this, key);
    return v ? *v : fallback;
}

float Node::attr_float(const std::string& key, float fallback) const {
    auto it = attributes.find(key);
    if (it != attributes.end())
        if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<float>(*i);
    const auto* v = attr_as<float>(*this, key);
    return v ? *v : fallback;
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
    const auto* v = attr_as<std::string>(*this, key);
    return v ? *v : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& key,
                                     const std::vector<int64_t>& fallback) const {
    const auto* v = attr_as<std::vector<int64_t>>(*this, key);
    return v ? *v : fallback;
}

std::vector<float> Node::attr_floats(const std::string& key,
                                     const std::vector<float>& fallback) const {
    const auto* v = attr_as<std::vector<float>>(*this, key);
    return v ? *v : fallback;
}

std::string Node::describe() const { return str_cat(op_type, " '", name, "'"); }

const Tensor& Graph::constant(const std::string& value) const {
    auto it = initializers.find(value);
    POT_CHECK(it != initializers.end(), "value '", value, "' is not a constant");
    return it->second;
}

Tensor& Graph::constant(const std::string& value) {
    auto it = initializers.find(value);
    POT_CHECK(it != initializers.end(), "value '", value, "' is not a constant");
    return it->second;
}

std::optional<size_t> Graph::producer(const std::string& value) const {
    for (size_t i = 0; i < nodes.size(); ++i)
        for (const auto& out : nodes[i].outputs)
            if (out == value) return i;
    return std::nullopt;
}

std::vector<size_t> Graph::consumers(const std::string& value) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), value) != nodes[i].inputs.end())
            out.push_back(i);
    return out;
}

bool Graph::is_output(const std::string& value) const {
    return std::any_of(outputs.begin(), outputs.end(),
                       [&](const ValueInfo& v) { return v.name == value; });
}

std::optional<size_t> Graph::find_node(const std::string& node_name) const {
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == node_name) return i;
    return std::nullopt;
}

std::optional<Shape> Graph::shape_of(const std::string& value) const {
    if (auto it = initializers.find(value); it != initializers.end()) return it->second.shape();
    for (const auto& v : inputs)
        if (v.name == value) return v.shape;
    for (const auto& v : outputs)
        if (v.name == value && !v.shape.empty()) return v.shape;
    if (auto it = value_info.find(value); it != value_info.end()) return it->second.shape;
    return std::nullopt;
}

size_t node_index(const Graph& graph, const std::string& node_name) {
    const auto index = graph.find_node(node_name);
    POT_CHECK(index.has_value(), "no node '", node_name, "' in graph '", graph.name,
              "'; was it removed or renamed by an earlier edit?");
    return *index;
}

Tensor& owned_constant(Graph& graph, size_t node, size_t input, const std::string& copy_suffix) {
    POT_CHECK(node < graph.nodes.size(), "node index ", node, " is out of range for graph '",
              graph.name, "' of ", graph.nodes.size(), " nodes");
    const Node& reader = graph.nodes[node];
    POT_CHECK(input < reader.inputs.size() && graph.is_constant(reader.inputs[input]),
              reader.describe(), ": input ", input, " is not a constant");
    const std::string name = reader.inputs[input];
    if (graph.consumers(name).size() > 1 || graph.is_output(name)) {
        const std::string copy = graph.unique_name(name + copy_suffix);
        graph.initializers[copy] = graph.constant(name);
        graph.nodes[node].inputs[input] = copy;
        return graph.constant(copy);
    }
    return graph.constant(name);
}

namespace {
/// True when `name` names a node or a value of `graph`. A scan without allocation: names are
/// drawn one at a time while a graph is edited, so an index would be rebuilt for every call.
bool name_in_use(const Graph& graph, const std::string& name) {
    if (graph.initializers.count(name)) return true;
    for (const auto& v : graph.inputs)
        if (v.name == name) return true;
    for (const auto& n : graph.nodes) {
        if (n.name == name) return true;
        for (const auto& out : n.outputs)
            if (out == name) return true;
    }
    return false;
}
}  // namespace

std::string Graph::unique_name(const std::string& base) const {
    if (!name_in_use(*this, base)) return base;
    for (int i = 1;; ++i) {
        auto candidate = str_cat(base, "_", i);
        if (!name_in_use(*this, candidate)) return candidate;
    }
}

NameAllocator::NameAllocator(const Graph& graph) {
    for (const auto& n : graph.nodes) {
        used_.insert(n.name);
        used_.insert(n.outputs.begin(), n.outputs.end());
    }
    for (const auto& [name, tensor] : graph.initializers) used_.insert(name);
    for (const auto& v : graph.inputs) used_.insert(v.name);
}

std::string NameAllocator::unique_name(const std::string& base) {
    if (used_.insert(base).second) return base;
    for (int i = 1;; ++i) {
        auto candidate = str_cat(base, "_", i);
        if (used_.insert(candidate).second) return candidate;
    }
}

void Graph::topological_sort() {
    std::unordered_map<std::string, size_t> producer_of;
    for (size_t i = 0; i < nodes.size(); ++i)
        for (const auto& out : nodes[i].outputs)
            if (!out.empty()) producer_of[out] = i;
    std::unordered_set<std::string> available;
    for (const auto& v : inputs) available.insert(v.name);
    for (const auto& [k, v] : initializers) available.insert(k);

    std::vector<Node> sorted;
    sorted.reserve(nodes.size());
    std::vector<int> state(nodes.size(), 0);  // 0 new, 1 visiting, 2 done
    // Iterative DFS keeps deep graphs off the call stack.
    for (size_t root = 0; root < nodes.size(); ++root) {
        if (state[root]) continue;
        std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
        state[root] = 1;
        while (!stack.empty()) {
            auto& [index, next_input] = stack.back();
            const Node& node = nodes[index];
            if (next_input < node.inputs.size()) {
                const std::string& in = node.inputs[next_input++];
                if (in.empty() || available.count(in)) continue;
                auto it = producer_of.find(in);
                POT_CHECK_KIND(Input, it != producer_of.end(), node.describe(), ": input '", in,
                               "' is neither a graph input, a constant nor a node output");
                if (state[it->second] == 2) continue;
                POT_CHECK_KIND(Input, state[it->second] == 0, "the graph has a cycle through ",
                               nodes[it->second].describe());
                state[it->second] = 1;
                stack.push_back({it->second, 0});
            } else {
                state[index] = 2;
                for (const auto& out : node.outputs) available.insert(out);
                // Done nodes are never read again, so they move rather than copy.
                sorted.push_back(std::move(nodes[index]));
                stack.pop_back();
            }
        }
    }
    nodes = std::move(sorted);
}

void Graph::replace_uses(const std::string& from, const std::string& to) {
    for (auto& n : nodes)
        for (auto& in : n.inputs)
            if (in == from) in = to;
    for (auto& out : outputs)
        if (out.name == from) out.name = to;
}

void Graph::insert_node(Node node) {
    size_t at = 0;
    for (const auto& in : node.inputs)
        if (!in.empty() && !is_constant(in))  // constants have no producer: skip the scan
            if (auto p = producer(in)) at = std::max(at, *p + 1);
    nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(at), std::move(node));
}

void Graph::remove_unused_constants() {
    std::unordered_set<std::string> used;
    for (const auto& n : nodes) used.insert(n.inputs.begin(), n.inputs.end());
    for (const auto& o : outputs) used.insert(o.name);
    for (auto it = initializers.begin(); it != initializers.end();)
        it = used.count(it->first) ? std::next(it) : initializers.erase(it);
}

}  // namespace pot
