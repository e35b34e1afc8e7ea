#include "pot/activation_patterns.hpp"

#include <cmath>
#include <limits>

namespace pot {

namespace {

constexpr float kRelu6Max = 6.0f;
constexpr float kHardSwishShift = 3.0f;
constexpr float kSqrt2 = 1.41421356f;

bool near(float value, float expected) {
    return std::fabs(value - expected) <= 1e-5f * std::max(1.0f, std::fabs(expected));
}

class Matcher {
public:
    Matcher(const Graph& graph, const ValueReaders& readers) : graph_(graph), readers_(readers) {}

    std::optional<SpelledActivation> match(const std::string& x) const {
        const auto first = readers_(x);
        if (first.size() != 2) return std::nullopt;
        // One reader multiplies x by the gate the other one starts.
        for (const size_t mul : first) {
            const size_t gate = first[0] == mul ? first[1] : first[0];
            if (!is(mul, "Mul")) continue;
            if (auto found = erf_gate(x, gate, mul)) return found;
            if (!is_unary_of(gate, x) && !is(gate, "Add")) continue;
            const auto gate_value = other_operand(mul, x);
            if (!gate_value) continue;
            if (auto found = swish_or_hard_sigmoid_gate(x, gate, mul, *gate_value)) return found;
            if (auto found = shifted_relu6_gate(x, gate, mul, *gate_value)) return found;
        }
        return std::nullopt;
    }

private:
    bool is(size_t index, const char* op_type) const {
        const Node& n = graph_.nodes[index];
        return (n.domain.empty() || n.domain == "ai.onnx") && n.op_type == op_type && n.outputs.size() == 1;
    }

    bool is_unary_of(size_t index, const std::string& x) const {
        const Node& n = graph_.nodes[index];
        return n.inputs.size() == 1 && n.inputs[0] == x;
    }

    const std::string& out(size_t index) const { return graph_.nodes[index].outputs[0]; }

    /// The node's other operand when it has two inputs and exactly one of them is `value`.
    std::optional<std::string> other_operand(size_t index, const std::string& value) const {
        const Node& n = graph_.nodes[index];
        if (n.inputs.size() != 2 || (n.inputs[0] == value) == (n.inputs[1] == value)) return std::nullopt;
        return n.inputs[0] == value ? n.inputs[1] : n.inputs[0];
    }

    /// True when `value` is read by node `index` only and is not a graph output.
    bool only_read_by(const std::string& value, size_t index) const {
        if (graph_.is_output(value)) return false;
        const auto r = readers_(value);
        return r.size() == 1 && r[0] == index;
    }

    /// The single reader of `value`, when it has one and is not a graph output.
    std::optional<size_t> single_reader(const std::string& value) const {
        if (graph_.is_output(value)) return std::nullopt;
        const auto r = readers_(value);
        if (r.size() != 1) return std::nullopt;
        return r[0];
    }

    std::optional<float> scalar(const std::string& value) const {
        if (value.empty() || !graph_.is_constant(value)) return std::nullopt;
        const Tensor& t = graph_.constant(value);
        if (t.numel() != 1 || t.dtype() != DType::F32) return std::nullopt;
        return t.to_floats()[0];
    }

    /// Node `index` computes `value` / `divisor` (Div by it, or Mul by its reciprocal).
    bool divides(size_t index, const std::string& value, float divisor) const {
        const bool div = is(index, "Div"), mul = is(index, "Mul");
        if (!div && !mul) return false;
        const Node& n = graph_.nodes[index];
        if (n.inputs.size() != 2) return false;
        if (div) {
            const auto c = scalar(n.inputs[1]);
            return n.inputs[0] == value && c && near(*c, divisor);
        }
        const auto other = other_operand(index, value);
        const auto c = other ? scalar(*other) : std::nullopt;
        return c && near(*c, 1.0f / divisor);
    }

    /// Node `index` is Clip(value, 0, 6).
    bool is_relu6_of(size_t index, const std::string& value) const {
        if (!is(index, "Clip")) return false;
        const Node& n = graph_.nodes[index];
        if (n.inputs.empty() || n.inputs[0] != value) return false;
        float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
        if (graph_.opset < 11) {
            lo = n.attr_float("min", lo);
            hi = n.attr_float("max", hi);
        } else {
            for (size_t i = 1; i < 3; ++i) {
                if (i >= n.inputs.size() || n.inputs[i].empty()) continue;
                const auto bound = scalar(n.inputs[i]);
                if (!bound) return false;
                (i == 1 ? lo : hi) = *bound;
            }
        }
        return lo == 0.0f && near(hi, kRelu6Max);
    }

    SpelledActivation found(const char* op_type, const std::string& x, std::vector<size_t> nodes) const {
        return {op_type, x, out(nodes.back()), std::move(nodes)};
    }

    /// x * Sigmoid(x), x * HardSigmoid(x, 1/6, 0.5).
    std::optional<SpelledActivation> swish_or_hard_sigmoid_gate(const std::string& x, size_t gate, size_t mul,
                                                                const std::string& gate_value) const {
        if (!is_unary_of(gate, x) || out(gate) != gate_value || !only_read_by(gate_value, mul))
            return std::nullopt;
        if (is(gate, "Sigmoid")) return found("Swish", x, {gate, mul});
        if (is(gate, "HardSigmoid")) {
            const Node& n = graph_.nodes[gate];
            if (near(n.attr_float("alpha", 0.2f), 1.0f / kRelu6Max) && near(n.attr_float("beta", 0.5f), 0.5f))
                return found("HardSwish", x, {gate, mul});
        }
        return std::nullopt;
    }

    /// x * Clip(x + 3, 0, 6) / 6, with the division before or after the product.
    std::optional<SpelledActivation> shifted_relu6_gate(const std::string& x, size_t add, size_t mul,
                                                        const std::string& gate_value) const {
        if (!is(add, "Add")) return std::nullopt;
        const auto shift = other_operand(add, x);
        const auto shift_value = shift ? scalar(*shift) : std::nullopt;
        if (!shift_value || !near(*shift_value, kHardSwishShift)) return std::nullopt;
        const auto clip = single_reader(out(add));
        if (!clip || !is_relu6_of(*clip, out(add))) return std::nullopt;
        const std::string& relu6 = out(*clip);
        if (gate_value == relu6) {
            // (x * relu6(x + 3)) / 6
            if (!only_read_by(relu6, mul)) return std::nullopt;
            const auto scale = single_reader(out(mul));
            if (!scale || !divides(*scale, out(mul), kRelu6Max)) return std::nullopt;
            return found("HardSwish", x, {add, *clip, mul, *scale});
        }
        // x * (relu6(x + 3) / 6)
        const auto scale = single_reader(relu6);
        if (!scale || !divides(*scale, relu6, kRelu6Max) || out(*scale) != gate_value ||
            !only_read_by(gate_value, mul))
            return std::nullopt;
        return found("HardSwish", x, {add, *clip, *scale, mul});
    }

    /// x * (Erf(x / sqrt(2)) + 1) * 0.5, as PyTorch exports GELU before opset 20; the halving may
    /// come first (x * 0.5 times the gate) and / sqrt(2) may be * (1 / sqrt(2)).
    std::optional<SpelledActivation> erf_gate(const std::string& x, size_t scale, size_t mul) const {
        if (!divides(scale, x, kSqrt2)) return std::nullopt;
        const auto erf = single_reader(out(scale));
        if (!erf || !is(*erf, "Erf") || !is_unary_of(*erf, out(scale))) return std::nullopt;
        const auto plus_one = single_reader(out(*erf));
        if (!plus_one || !is(*plus_one, "Add")) return std::nullopt;
        const auto one = other_operand(*plus_one, out(*erf));
        const auto one_value = one ? scalar(*one) : std::nullopt;
        if (!one_value || !near(*one_value, 1.0f)) return std::nullopt;
        const std::string& gate = out(*plus_one);
        if (other_operand(mul, x) == gate) {
            // (x * gate) * 0.5
            if (!only_read_by(gate, mul)) return std::nullopt;
            const auto half = single_reader(out(mul));
            if (!half || !divides(*half, out(mul), 2.0f)) return std::nullopt;
            return found("Gelu", x, {scale, *erf, *plus_one, mul, *half});
        }
        // (x * 0.5) * gate
        if (!divides(mul, x, 2.0f)) return std::nullopt;
        const auto product = single_reader(out(mul));
        if (!product || !is(*product, "Mul") || other_operand(*product, out(mul)) != gate ||
            !only_read_by(gate, *product))
            return std::nullopt;
        return found("Gelu", x, {scale, *erf, *plus_one, mul, *product});
    }

    const Graph& graph_;
    const ValueReaders& readers_;
};

}  // namespace

std::optional<SpelledActivation> match_spelled_activation(const Graph& graph, const std::string& value,
                                                          const ValueReaders& readers) {
    return Matcher(graph, readers).match(value);
}

std::optional<SpelledActivation> match_spelled_activation(const Graph& graph, const std::string& value) {
    return match_spelled_activation(graph, value, [&graph](const std::string& v) { return graph.consumers(v); });
}

}  // namespace pot
