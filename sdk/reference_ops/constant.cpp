#include <algorithm>
#include <cmath>
#include <type_traits>
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
              "1 (float), 2 (uint8), 3 (int8), 6 (int32), 7 (int64) or 9 (bool)");
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
        case 9:
            return DType::Bool;
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
    check_generated_size(shape.to_ints(), "ConstantOfShape");
    Tensor dst(value.dtype(), shape.to_ints());
    for (int64_t i = 0; i < dst.numel(); ++i) copy_element(value, 0, dst, i);
    ctx.set_output(0, std::move(dst));
}

}  // namespace pot::reference

namespace pot::reference {

namespace {

template <typename T>
Tensor range_of(T start, T limit, T delta) {
    POT_CHECK(delta != T(0), "delta must not be zero");
    // ONNX: count = max(ceil((limit - start) / delta), 0), computed in double for every type.
    const double span = (static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta);
    POT_CHECK(std::isfinite(span), "the range from ", start, " to ", limit, " by ", delta,
              " is not finite");
    const double count = std::max(std::ceil(span), 0.0);
    POT_CHECK(count <= static_cast<double>(kMaxGeneratedElements), "Range from ", start, " to ",
              limit, " by ", delta, " would have more than ", kMaxGeneratedElements, " elements");
    const auto n = static_cast<int64_t>(count);
    Tensor out(dtype_of<T>(), {n});
    T* dst = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_integral_v<T>) {
            // The last value may lie past `limit`; wrap around rather than overflow.
            using U = std::make_unsigned_t<T>;
            dst[i] = static_cast<T>(static_cast<U>(start) + static_cast<U>(i) * static_cast<U>(delta));
        } else {
            dst[i] = start + static_cast<T>(i) * delta;
        }
    }
    return out;
}

}  // namespace

void run_range(NodeContext& ctx) {
    ctx.expect_inputs(3, 3);
    const Tensor& start = ctx.input(0);
    const Tensor& limit = ctx.input(1);
    const Tensor& delta = ctx.input(2);
    POT_CHECK(start.dtype() == limit.dtype() && start.dtype() == delta.dtype(),
              "start, limit and delta must have one type, got ", dtype_name(start.dtype()), ", ",
              dtype_name(limit.dtype()), " and ", dtype_name(delta.dtype()));
    for (const Tensor* t : {&start, &limit, &delta})
        POT_CHECK(t->numel() == 1, "start, limit and delta must be scalars, got shape ",
                  shape_str(t->shape()));
    switch (start.dtype()) {
        case DType::F32:
            return ctx.set_output(0, range_of<float>(start.data<float>()[0], limit.data<float>()[0],
                                                     delta.data<float>()[0]));
        case DType::I32:
            return ctx.set_output(0, range_of<int32_t>(start.data<int32_t>()[0],
                                                       limit.data<int32_t>()[0],
                                                       delta.data<int32_t>()[0]));
        case DType::I64:
            return ctx.set_output(0, range_of<int64_t>(start.data<int64_t>()[0],
                                                       limit.data<int64_t>()[0],
                                                       delta.data<int64_t>()[0]));
        default:
            POT_THROW(Runtime, "Range of ", dtype_name(start.dtype()),
                      " is not supported; expected f32, i32 or i64");
    }
}

}  // namespace pot::reference
