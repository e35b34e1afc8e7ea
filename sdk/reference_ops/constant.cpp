#include <variant>

#include "kernels.hpp"

namespace pot::reference {

namespace {

// ONNX TensorProto.DataType codes of the element types tensors can hold.
constexpr int64_t kOnnxFloat = 1, kOnnxUint8 = 2, kOnnxInt8 = 3, kOnnxInt32 = 6, kOnnxInt64 = 7;

DType dtype_from_onnx(int64_t code) {
    switch (code) {
        case kOnnxFloat:
            return DType::F32;
        case kOnnxUint8:
            return DType::U8;
        case kOnnxInt8:
            return DType::I8;
        case kOnnxInt32:
            return DType::I32;
        case kOnnxInt64:
            return DType::I64;
        default:
            POT_THROW(Runtime, "cast to ONNX data type ", code, " is not supported; expected ",
                      "1 (float), 2 (uint8), 3 (int8), 6 (int32) or 7 (int64)");
    }
}

}  // namespace

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
    dtype_from_onnx(node.attr_int("to", 0));
}

void run_cast(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    // Float to integer truncates toward zero, as ONNX Runtime's static_cast does.
    ctx.set_output(0, ctx.input(0).cast(dtype_from_onnx(ctx.node().attr_int("to", 0))));
}

}  // namespace pot::reference
