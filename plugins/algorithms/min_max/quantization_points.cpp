#include "quantization_points.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "pot/activation_patterns.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::min_max {

namespace {

/// Producer and readers of every value, built once: Graph::producer() and consumers() scan all
/// nodes, and the search below asks for each value of the model.
class ValueIndex {
public:
    explicit ValueIndex(const Graph& graph) {
        for (size_t i = 0; i < graph.nodes.size(); ++i) {
            for (const auto& in : graph.nodes[i].inputs) {
                auto& list = readers_[in];
                if (list.empty() || list.back() != i) list.push_back(i);
            }
            for (const auto& out : graph.nodes[i].outputs) producers_.emplace(out, i);
        }
    }
    std::optional<size_t> producer(const std::string& value) const {
        auto it = producers_.find(value);
        return it == producers_.end() ? std::nullopt : std::optional<size_t>(it->second);
    }
    const std::vector<size_t>& readers(const std::string& value) const {
        static const std::vector<size_t> kNone;
        auto it = readers_.find(value);
        return it == readers_.end() ? kNone : it->second;
    }

private:
    std::unordered_map<std::string, size_t> producers_;
    std::unordered_map<std::string, std::vector<size_t>> readers_;
};

bool is_float_value(const Graph& graph, const std::string& value) {
    if (graph.is_constant(value)) return graph.constant(value).dtype() == DType::F32;
    for (const auto& in : graph.inputs)
        if (in.name == value) return in.dtype == DType::F32;
    if (auto it = graph.value_info.find(value); it != graph.value_info.end())
        return it->second.dtype == DType::F32;
    return true;  // unknown type: the engine checks when it runs
}

// An Add of a value and a constant: a bias (MatMul then Add, as exporters write Linear layers) or
// a shift, which engines compute with the op before it.
bool adds_constant(const Graph& graph, const Node& node) {
    return node.domain.empty() && node.op_type == "Add" && node.inputs.size() == 2 &&
           graph.is_constant(node.inputs[0]) != graph.is_constant(node.inputs[1]);
}

// The spelled-out activation (x * Sigmoid(x), ...) computed from `value`, when the target absorbs
// it like a Relu and none of its nodes is ignored.
std::optional<SpelledActivation> absorbed_spelled(const Graph& graph, const ValueIndex& index,
                                                  const std::string& value, const HardwareConfig& hardware,
                                                  const std::unordered_set<std::string>& ignored) {
    auto spelled = match_spelled_activation(graph, value, [&index](const std::string& v) { return index.readers(v); });
    if (!spelled || !hardware.absorbed_activations.count(spelled->op_type)) return std::nullopt;
    for (size_t n : spelled->nodes)
        if (ignored.count(graph.nodes[n].name)) return std::nullopt;
    return spelled;
}

// The absorbed spelled-out activations of `graph` (absorbed_spelled()), by input value.
using SpelledByInput = std::unordered_map<std::string, SpelledActivation>;

SpelledByInput absorbed_spelled_activations(const Graph& graph, const ValueIndex& index,
                                            const HardwareConfig& hardware,
                                            const std::unordered_set<std::string>& ignored) {
    SpelledByInput found;
    auto add = [&](const std::string& value) {
        if (auto spelled = absorbed_spelled(graph, index, value, hardware, ignored))
            found.emplace(value, std::move(*spelled));
    };
    for (const auto& in : graph.inputs) add(in.name);
    for (const Node& node : graph.nodes)
        for (const auto& out : node.outputs) add(out);
    return found;
}

// Follows single-reader chains of absorbed activations (Conv -> Relu), spelled-out ones included,
// and of constant (bias) Adds: the quantizer belongs after them.
std::string absorbed_output(const Graph& graph, const ValueIndex& index, std::string value,
                            const HardwareConfig& hardware, const std::unordered_set<std::string>& ignored,
                            const SpelledByInput& spelled) {
    for (;;) {
        if (graph.is_output(value)) return value;
        if (const auto it = spelled.find(value); it != spelled.end()) {
            value = it->second.output;
            continue;
        }
        const auto& readers = index.readers(value);
        if (readers.size() != 1) return value;
        const Node& next = graph.nodes[readers[0]];
        const bool absorbed = hardware.absorbed_activations.count(next.op_type) || adds_constant(graph, next);
        if (!absorbed || ignored.count(next.name) || next.outputs.size() != 1) return value;
        value = next.outputs[0];
    }
}

// Ops whose output holds only values of their first input (rearranged or selected): a value on a
// quantization grid stays on it.
bool keeps_grid(const Node& node) {
    static const std::unordered_set<std::string> kOps = {
        "MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity"};
    if (!node.domain.empty() || !kOps.count(node.op_type) || node.inputs.empty()) return false;
    // MaxPool's optional second output (indices) is not a value of the input.
    return node.outputs.size() == 1 || node.outputs[1].empty();
}

// The value `value` is moved from through grid-preserving ops (itself when it is not).
std::string grid_source(const Graph& graph, const ValueIndex& index, std::string value) {
    while (const auto producer = index.producer(value)) {
        const Node& node = graph.nodes[*producer];
        if (!keeps_grid(node)) break;
        value = node.inputs[0];
    }
    return value;
}

bool reads_as_activation(const Node& node, const OpRule& rule, const std::string& value) {
    for (size_t i = 0; i < node.inputs.size(); ++i)
        if (node.inputs[i] == value && reads_activation(rule, i)) return true;
    return false;
}

// The first quantized op in node order that reads `value` as an activation, directly or through
// grid-preserving ops. `rules` holds the rule of every quantized op, null for the other nodes.
std::optional<size_t> first_quantized_reader(const Graph& graph, const ValueIndex& index,
                                             const std::string& value,
                                             const std::vector<const OpRule*>& rules) {
    std::optional<size_t> first;
    std::vector<std::string> pending = {value};
    std::set<std::string> seen;
    while (!pending.empty()) {
        const std::string v = std::move(pending.back());
        pending.pop_back();
        if (!seen.insert(v).second) continue;
        for (size_t r : index.readers(v)) {
            const Node& reader = graph.nodes[r];
            if (rules[r] && reads_as_activation(reader, *rules[r], v)) {
                if (!first || r < *first) first = r;
            } else if (keeps_grid(reader) && reader.inputs[0] == v) {
                pending.push_back(reader.outputs[0]);
            }
        }
    }
    return first;
}

}  // namespace

std::optional<int64_t> weight_channel_axis(const Node& node, const Tensor& weight) {
    if (weight.rank() < 2) return std::nullopt;
    if (node.op_type == "Conv") return 0;
    // [C_in, C_out / group, k...]: axis 1 is the output channel only with one group.
    if (node.op_type == "ConvTranspose") return node.attr_int("group", 1) == 1 ? std::optional<int64_t>(1) : std::nullopt;
    if (node.op_type == "Gemm") return node.attr_int("transB", 0) ? 0 : 1;
    if (node.op_type == "MatMul") return weight.rank() - 1;
    return std::nullopt;
}

std::vector<QuantizationPoint> find_quantization_points(
    const Graph& graph, const HardwareConfig& hardware, const MinMaxSettings& settings,
    const std::unordered_set<std::string>& float_nodes) {
    auto ignored = settings.ignored.resolve(graph);
    ignored.insert(float_nodes.begin(), float_nodes.end());
    // The model type's float ops read no quantized input, but unlike ignored nodes they may still
    // be part of an activation the target computes inside the op before it (a spelled-out GELU's
    // Mul and Add).
    const auto model_type_float = [&](const Node& node) {
        const auto& ops = settings.model_type_float_ops;
        return node.domain.empty() && std::find(ops.begin(), ops.end(), node.op_type) != ops.end();
    };
    const ValueIndex index(graph);
    std::vector<const OpRule*> quantized_rules(graph.nodes.size(), nullptr);
    std::vector<QuantizationPoint> points;
    std::set<std::string> activations;
    auto add_activation = [&](const std::string& value, const std::string& node) {
        if (value.empty() || graph.is_constant(value) || !is_float_value(graph, value)) return;
        if (!activations.insert(value).second) return;
        const auto& readers = index.readers(value);
        if (readers.size() == 1 && is_fake_quantize(graph.nodes[readers[0]])) return;  // already quantized
        points.push_back({QuantizationPoint::Kind::Activation, value, node, 0, -1, "", node});
    };
    // The nodes of absorbed spelled-out activations compute one activation: their inputs are not
    // quantized on their own (the x + 3 of a HardSwish is no residual Add).
    const SpelledByInput spelled = absorbed_spelled_activations(graph, index, hardware, ignored);
    std::vector<bool> inside_activation(graph.nodes.size(), false);
    for (const auto& [input, activation] : spelled)
        for (size_t n : activation.nodes) inside_activation[n] = true;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const Node& node = graph.nodes[n];
        if (is_fake_quantize(node) || ignored.count(node.name) || inside_activation[n] || model_type_float(node)) continue;
        // Adding a constant (a bias, a LayerNorm shift) is no residual Add: nothing to read in INT8.
        if (adds_constant(graph, node)) continue;
        const OpRule* rule = hardware.rule_for(node.op_type);
        if (!rule) continue;
        quantized_rules[n] = rule;
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            const std::string& in = node.inputs[i];
            if (in.empty()) continue;
            const bool weight = rule->weight_input == i && graph.is_constant(in);
            if (weight) {
                const Tensor& w = graph.constant(in);
                if (w.dtype() != DType::F32) continue;
                const bool per_channel = settings.weights.per_channel.value_or(rule->weight_per_channel);
                const auto axis = weight_channel_axis(node, w);
                points.push_back({QuantizationPoint::Kind::Weight, in, node.name, i,
                                  per_channel && axis ? *axis : -1, "", node.name});
            } else if (reads_activation(*rule, i)) {
                add_activation(in, node.name);
            }
        }
        // An output is quantized so that the next op reads INT8; a model output has no next op,
        // and quantizing it would only round (and clip) what the user gets, e.g. the logits.
        if (rule->quantize_output && !node.outputs.empty()) {
            const std::string out = absorbed_output(graph, index, node.outputs[0], hardware, ignored, spelled);
            if (!graph.is_output(out)) add_activation(out, node.name);
        }
    }
    std::set<std::string> measured;
    for (const auto& p : points)
        if (p.kind == QuantizationPoint::Kind::Activation) measured.insert(p.value);
    std::map<std::string, std::string> config_nodes;
    for (auto& p : points) {
        if (p.kind != QuantizationPoint::Kind::Activation) continue;
        const std::string source = grid_source(graph, index, p.value);
        if (source != p.value && measured.count(source)) p.same_grid_as = source;
        if (const auto reader = first_quantized_reader(graph, index, p.value, quantized_rules))
            p.config_node = graph.nodes[*reader].name;
        config_nodes[p.value] = p.config_node;
    }
    for (auto& p : points)
        if (!p.same_grid_as.empty()) p.config_node = config_nodes.at(p.same_grid_as);
    return points;
}

}  // namespace pot::min_max
