#include "constant_eval.hpp"

#include <cmath>
#include <set>

#include "reference_ops.hpp"
#include "tensor_index.hpp"

namespace pot::core::transforms {

namespace {

std::optional<int64_t> bounded_numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0 || (d > 0 && n > kMaxFoldedElements / d)) return std::nullopt;
        n *= d;
    }
    if (n > kMaxFoldedElements) return std::nullopt;
    return n;
}

bool is_comparison(const std::string& op) {
    return op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" ||
           op == "GreaterOrEqual";
}

bool is_arithmetic(const std::string& op) {
    return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Mod";
}

// Checked before the ops whose result can hold more elements than their inputs run, so folding
// never allocates an unbounded tensor. False also where the inputs do not fit the op: such a
// node is kept either way.
bool result_is_small(const Node& node, const std::vector<const Tensor*>& in) {
    const std::string& op = node.op_type;
    if (op == "ConstantOfShape")
        return in[0]->dtype() == DType::I64 && bounded_numel(in[0]->to_ints()).has_value();
    if (op == "Concat") {
        int64_t total = 0;
        for (const Tensor* t : in) {
            if (!t) return false;
            total += t->numel();
        }
        return total <= kMaxFoldedElements;
    }
    if (op == "Gather") {
        if (in.size() != 2 || !in[1] || in[0]->rank() < 1) return false;
        const Shape& data = in[0]->shape();
        const auto rank = static_cast<int64_t>(data.size());
        int64_t axis = node.attr_int("axis", 0);
        if (axis < -rank || axis >= rank) return false;
        if (axis < 0) axis += rank;
        Shape shape(data.begin(), data.begin() + axis);
        shape.insert(shape.end(), in[1]->shape().begin(), in[1]->shape().end());
        shape.insert(shape.end(), data.begin() + axis + 1, data.end());
        return bounded_numel(shape).has_value();
    }
    if (is_arithmetic(op) || is_comparison(op) || op == "And" || op == "Or" || op == "Xor") {
        if (in.size() != 2 || !in[1]) return false;
        return bounded_numel(reference::broadcast_shapes(in[0]->shape(), in[1]->shape())).has_value();
    }
    if (op == "Where") {
        if (in.size() != 3 || !in[1] || !in[2]) return false;
        return bounded_numel(reference::broadcast_shapes(
                                 reference::broadcast_shapes(in[0]->shape(), in[1]->shape()),
                                 in[2]->shape()))
            .has_value();
    }
    if (op == "Expand") {
        if (in.size() != 2 || !in[1] || in[1]->rank() != 1) return false;
        const auto wanted = in[1]->to_ints();
        return bounded_numel(reference::broadcast_shapes(in[0]->shape(),
                                                         Shape(wanted.begin(), wanted.end())))
            .has_value();
    }
    if (op == "Tile") {
        if (in.size() != 2 || !in[1]) return false;
        const auto repeats = in[1]->to_ints();
        if (static_cast<int64_t>(repeats.size()) != in[0]->rank()) return false;
        Shape shape = in[0]->shape();
        for (size_t d = 0; d < shape.size(); ++d) {
            if (repeats[d] < 0 || __builtin_mul_overflow(shape[d], repeats[d], &shape[d])) return false;
        }
        return bounded_numel(shape).has_value();
    }
    if (op == "Range") {
        if (in.size() != 3 || !in[1] || !in[2]) return false;
        for (const Tensor* t : in)
            if (t->numel() != 1) return false;
        const double start = in[0]->to_floats()[0], limit = in[1]->to_floats()[0];
        const double delta = in[2]->to_floats()[0];
        if (delta == 0.0) return false;
        return std::ceil((limit - start) / delta) <= static_cast<double>(kMaxFoldedElements);
    }
    return true;
}

// Float to integer conversion of a value the integer type cannot hold is undefined in C++ and
// differs between runtimes: such a Cast is left to the runtime.
bool cast_is_defined(const Node& node, const Tensor& src) {
    const auto to = reference::dtype_from_onnx_code(node.attr_int("to", 0));
    if (!to) return false;
    if (src.dtype() != DType::F32 || *to == DType::F32) return true;
    const double lo = *to == DType::I8 ? -128.0 : *to == DType::U8 ? 0.0 : *to == DType::I32 ? -2147483648.0 : -9.2e18;
    const double hi = *to == DType::I8 ? 127.0 : *to == DType::U8 ? 255.0 : *to == DType::I32 ? 2147483647.0 : 9.2e18;
    for (float v : src.to_floats())
        if (!std::isfinite(v) || v < lo || v > hi) return false;
    return true;
}

const std::set<std::string>& foldable_ops() {
    static const std::set<std::string> ops = {
        "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Cast", "Slice", "Add",
        "Sub", "Mul", "Div", "Transpose", "Identity", "ConstantOfShape", "Equal", "Less",
        "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "Where", "Expand",
        "Tile", "Range", "Mod", "ScatterND"};
    return ops;
}
}  // namespace

bool is_foldable_op(const Node& node) {
    return (node.domain.empty() || node.domain == "ai.onnx") && foldable_ops().count(node.op_type) != 0;
}

std::optional<std::vector<Tensor>> evaluate_constant_node(const Node& node,
                                                          const std::vector<const Tensor*>& inputs,
                                                          int64_t opset) {
    if (!is_foldable_op(node) || inputs.empty() || inputs[0] == nullptr) return std::nullopt;
    try {
        if (!result_is_small(node, inputs)) return std::nullopt;
        if (node.op_type == "Cast" && !cast_is_defined(node, *inputs[0])) return std::nullopt;
        std::vector<Tensor> outputs;
        reference::run_node(node, inputs, outputs, opset);
        return outputs;
    } catch (const Error&) {
        // Inputs the op rejects (an index out of range, division by zero): the node stays, and
        // running the model reports the problem with the node's name.
        return std::nullopt;
    }
}

}  // namespace pot::core::transforms
