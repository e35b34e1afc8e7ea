#include "spelled_activations.hpp"

#include <algorithm>
#include <unordered_map>

#include "pot/activation_patterns.hpp"

namespace pot::cpu {

namespace {

/// LayerNorm over the last axis as exporters for opsets before 17 write it:
/// d = x - ReduceMean(x); y = d / Sqrt(ReduceMean(Pow(d, 2)) + eps) * gamma + beta.
struct SpelledLayerNorm {
    std::string input, output, gamma, beta;
    float epsilon = 0.0f;
    std::vector<size_t> nodes;  ///< output's producer last
};

class LayerNormMatcher {
public:
    LayerNormMatcher(const Graph& graph, const ValueReaders& readers) : graph_(graph), readers_(readers) {}

    std::optional<SpelledLayerNorm> match(const std::string& x) const {
        // x may have other readers too (the residual branch of a pre-norm transformer block).
        std::optional<size_t> mean_node, sub_node;
        for (const size_t r : readers_(x)) {
            if (!is_last_axis_mean(r, x)) continue;
            const auto reader = sole_reader(out(r));
            if (reader && is(*reader, "Sub") && input(*reader, 0) == x && input(*reader, 1) == out(r)) {
                mean_node = r;
                sub_node = reader;
                break;
            }
        }
        if (!mean_node) return std::nullopt;
        const size_t mean = *mean_node, sub = *sub_node;
        const std::string& centred = out(sub);
        const auto users = readers_(centred);
        if (users.size() != 2 || graph_.is_output(centred)) return std::nullopt;
        const size_t square = is(users[0], "Pow") || (is(users[0], "Mul") && input(users[0], 0) == input(users[0], 1))
                                  ? users[0]
                                  : users[1];
        const size_t divide = square == users[0] ? users[1] : users[0];
        const bool squares = (is(square, "Pow") && input(square, 0) == centred && scalar(input(square, 1)) == 2.0f) ||
                             (is(square, "Mul") && input(square, 0) == centred && input(square, 1) == centred);
        if (!squares || !is(divide, "Div") || input(divide, 0) != centred) return std::nullopt;
        const auto variance = sole_reader(out(square));
        if (!variance || !is_last_axis_mean(*variance, out(square))) return std::nullopt;
        const auto add_eps = sole_reader(out(*variance));
        if (!add_eps || !is(*add_eps, "Add") || input(*add_eps, 0) != out(*variance)) return std::nullopt;
        const auto epsilon = scalar(input(*add_eps, 1));
        const auto root = sole_reader(out(*add_eps));
        if (!epsilon || !root || !is(*root, "Sqrt") || input(divide, 1) != out(*root) || !sole_reader(out(*root)))
            return std::nullopt;
        const auto scale = sole_reader(out(divide));
        if (!scale || !is(*scale, "Mul") || input(*scale, 0) != out(divide) || !row_vector(input(*scale, 1)))
            return std::nullopt;
        const auto shift = sole_reader(out(*scale));
        if (!shift || !is(*shift, "Add") || input(*shift, 0) != out(*scale) || !row_vector(input(*shift, 1)))
            return std::nullopt;
        return SpelledLayerNorm{x, out(*shift), input(*scale, 1), input(*shift, 1), *epsilon,
                                {mean, sub, square, *variance, *add_eps, *root, divide, *scale, *shift}};
    }

private:
    bool is(size_t index, const char* op_type) const {
        const Node& n = graph_.nodes[index];
        return n.domain.empty() && n.op_type == op_type && n.outputs.size() == 1;
    }
    const std::string& out(size_t index) const { return graph_.nodes[index].outputs[0]; }
    std::string input(size_t index, size_t i) const {
        const Node& n = graph_.nodes[index];
        return i < n.inputs.size() ? n.inputs[i] : "";
    }
    bool constant(const std::string& value) const { return !value.empty() && graph_.is_constant(value); }
    /// A constant varying along the last axis only ([C], [1, 1, C]), as LayerNormalization's
    /// Scale and B over the last axis must be.
    bool row_vector(const std::string& value) const {
        if (!constant(value)) return false;
        const Shape& shape = graph_.constant(value).shape();
        return !shape.empty() && std::all_of(shape.begin(), shape.end() - 1, [](int64_t d) { return d == 1; });
    }
    std::optional<float> scalar(const std::string& value) const {
        if (!constant(value)) return std::nullopt;
        const Tensor& t = graph_.constant(value);
        if (t.numel() != 1 || t.dtype() != DType::F32) return std::nullopt;
        return t.to_floats()[0];
    }
    /// The single reader of `value`, when it has one and is not a graph output.
    std::optional<size_t> sole_reader(const std::string& value) const {
        if (graph_.is_output(value)) return std::nullopt;
        const auto r = readers_(value);
        if (r.size() != 1) return std::nullopt;
        return r[0];
    }
    bool sole_reader(const std::string& value, size_t index) const { return sole_reader(value) == index; }
    /// ReduceMean(value) over the last axis, keeping it.
    bool is_last_axis_mean(size_t index, const std::string& value) const {
        if (!is(index, "ReduceMean") || input(index, 0) != value) return false;
        const Node& n = graph_.nodes[index];
        if (n.attr_int("keepdims", 1) != 1) return false;
        std::vector<int64_t> axes = n.attr_ints("axes");
        if (graph_.opset >= 18) {
            if (!constant(input(index, 1))) return false;
            const Tensor& t = graph_.constant(input(index, 1));
            if (t.dtype() != DType::I64) return false;
            axes.assign(t.data<int64_t>(), t.data<int64_t>() + t.numel());
        }
        if (axes.size() != 1) return false;
        if (axes[0] == -1) return true;
        const auto shape = graph_.shape_of(value);
        return shape && !shape->empty() && axes[0] == static_cast<int64_t>(shape->size()) - 1;
    }

    const Graph& graph_;
    const ValueReaders& readers_;
};

}  // namespace

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

    // Patterns do not share nodes (every value inside one has a single reader); checked anyway.
    std::vector<int> pattern_of(graph.nodes.size(), -1);
    std::vector<Node> replacements;  // per pattern, the node computing it
    auto add_pattern = [&](const std::vector<size_t>& nodes, Node replacement) {
        for (size_t k = 0; k < nodes.size(); ++k) {
            if (pattern_of[nodes[k]] >= 0) return;
            if (k + 1 == nodes.size()) continue;
            for (const auto& inner : graph.nodes[nodes[k]].outputs)
                if (observed.count(inner)) return;
        }
        for (size_t n : nodes) pattern_of[n] = static_cast<int>(replacements.size());
        replacement.name = graph.nodes[nodes.back()].name;
        replacements.push_back(std::move(replacement));
    };
    const LayerNormMatcher layer_norms(graph, lookup);
    auto try_value = [&](const std::string& value) {
        if (const auto found = match_spelled_activation(graph, value, lookup)) {
            Node node;
            node.op_type = found->op_type;
            node.domain = found->op_type == "HardSwish" ? "" : kEngineDomain;
            node.inputs = {found->input};
            node.outputs = {found->output};
            add_pattern(found->nodes, std::move(node));
        } else if (const auto norm = layer_norms.match(value)) {
            Node node;
            node.op_type = "LayerNormalization";
            node.inputs = {norm->input, norm->gamma, norm->beta};
            node.outputs = {norm->output};
            node.attributes = {{"axis", int64_t{-1}}, {"epsilon", norm->epsilon}};
            add_pattern(norm->nodes, std::move(node));
        }
    };
    for (const auto& in : graph.inputs) try_value(in.name);
    for (const auto& node : graph.nodes)
        for (const auto& out : node.outputs) try_value(out);
    if (replacements.empty()) return graph;

    // A replacement reads only the pattern's input (and constants), which is computed before any
    // node of the pattern: it takes the place of the first one.
    Graph fused = graph;
    fused.nodes.clear();
    std::vector<bool> placed(replacements.size(), false);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (pattern_of[i] < 0) {
            fused.nodes.push_back(graph.nodes[i]);
            continue;
        }
        const auto p = static_cast<size_t>(pattern_of[i]);
        if (!placed[p]) fused.nodes.push_back(std::move(replacements[p]));
        placed[p] = true;
    }
    return fused;
}

}  // namespace pot::cpu
