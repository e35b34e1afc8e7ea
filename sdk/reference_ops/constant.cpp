#include <variant>

#include "kernels.hpp"
#include "reference_ops.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

DType cast_target(const Node& node) {
    const int64_t code = node.attr_int("to", 0);
    const auto dtype = dtype_from_onnx_code(code);
    POT_CHECK(dtype.has_value(), "cast to ONNX data type ", code, " is not supported; expected ",
              "1 (float), 2 (uint8), 3 (int8), 6 (int32) or 7 (int64)");
    return *dtype;
}

}  // namespace

std::optional<DType> dtype_from_onnx_code(int64_t code) {
    // ONNX TensorProto.DataType codes of the element types tensors can hold.
    switch (code) {
        case 1:
            return DType::F32;
        case 2:
            return DType::U8;
        case 3:
            return DType::I8;
        case 6:
            return DType::I32;
        case 7:
            return DType::I64;
        default:
            return std::nullopt;
    }
}

void check_constant(const Node& node, int64_t opset) {
    int present = 0;
    for (const char* key : {"value", "value_float", "value_floats", "value_int", "value_ints"})
        present += node.has_attr(key);
    POT_CHECK(present == 1,
              "expected exactly one of value, value_float, value_floats, value_int, value_ints "
              "(sparse and string constants are not supported)");
}

void run_constant(NodeContext& ctx) {
    ctx.expect_inputs(0, 0);
    const Node& node = ctx.node();
    if (node.has_attr("value")) {
        const auto* tensor = std::get_if<Tensor>(&node.attributes.at("value"));
        POT_CHECK(tensor != nullptr, "attribute 'value' must be a tensor");
        return ctx.set_output(0, *tensor);
    }
    if (node.has_attr("value_float"))
        return ctx.set_output(0, Tensor::scalar(node.attr_float("value_float", 0.0f)));
    if (node.has_attr("value_floats")) {
        const auto v = node.attr_floats("value_floats");
        return ctx.set_output(0, Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v));
    }
    if (node.has_attr("value_int"))
        return ctx.set_output(0, Tensor::from_vector<int64_t>({}, {node.attr_int("value_int", 0)}));
    const auto v = node.attr_ints("value_ints");
    ctx.set_output(0, Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v));
}

void check_cast(const Node& node, int64_t opset) {
    POT_CHECK(node.has_attr("to"), "attribute 'to' is required");
    cast_target(node);
}

void run_cast(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    // Float to integer truncates toward zero, as ONNX Runtime's static_cast does.
    ctx.set_output(0, ctx.input(0).cast(cast_target(ctx.node())));
}

void run_constant_of_shape(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    const Tensor& shape = ctx.input(0);
    POT_CHECK(shape.dtype() == DType::I64, "input must be an i64 shape, got ",
              dtype_name(shape.dtype()));
    Tensor value = Tensor::scalar(0.0f);
    if (ctx.node().has_attr("value")) {
        const auto* tensor = std::get_if<Tensor>(&ctx.node().attributes.at("value"));
        POT_CHECK(tensor != nullptr && tensor->numel() == 1,
                  "attribute 'value' must be a tensor of one element");
        value = *tensor;
    }
    Tensor dst(value.dtype(), shape.to_ints());
    for (int64_t i = 0; i < dst.numel(); ++i) copy_element(value, 0, dst, i);
    ctx.set_output(0, std::move(dst));
}

}  // namespace pot::reference
