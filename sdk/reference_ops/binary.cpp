#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// Integer results wrap around, as in the runtimes, where C++ signed overflow would be undefined.
template <typename T>
Tensor integer_arithmetic(const std::string& op, const Tensor& a, const Tensor& b) {
    using U = std::make_unsigned_t<T>;
    if (op == "Add")
        return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return T(U(x) + U(y)); });
    if (op == "Sub")
        return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return T(U(x) - U(y)); });
    if (op == "Mul")
        return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return T(U(x) * U(y)); });
    if (op == "Div") {
        return broadcast_apply<T, T, T>(a, b, [](T x, T y) {
            POT_CHECK(y != 0, "integer division by zero");
            POT_CHECK(x != std::numeric_limits<T>::min() || y != -1, "integer division ", x,
                      " / -1 overflows");
            return T(x / y);
        });
    }
    POT_THROW(Runtime, "no arithmetic for op '", op, "'");
}

Tensor float_arithmetic(const std::string& op, const Tensor& a, const Tensor& b) {
    using T = float;
    if (op == "Add") return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return x + y; });
    if (op == "Sub") return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return x - y; });
    if (op == "Mul") return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return x * y; });
    if (op == "Div") return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return x / y; });
    POT_THROW(Runtime, "no arithmetic for op '", op, "'");
}

// Mod: with fmod = 0 (integers only) the result takes the divisor's sign, as Python's %; with
// fmod = 1 the dividend's, as C's fmod.
template <typename T>
Tensor modulo(const Tensor& a, const Tensor& b, bool fmod) {
    if constexpr (std::is_floating_point_v<T>) {
        POT_CHECK(fmod, "Mod of floats needs fmod = 1");
        return broadcast_apply<T, T, T>(a, b, [](T x, T y) { return std::fmod(x, y); });
    } else {
        return broadcast_apply<T, T, T>(a, b, [fmod](T x, T y) {
            POT_CHECK(y != 0, "integer modulo by zero");
            if (y == -1) return T(0);  // also avoids the overflow of min % -1
            T r = static_cast<T>(x % y);
            if (!fmod && r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
            return r;
        });
    }
}

Tensor power(const Tensor& base, const Tensor& exponent) {
    POT_CHECK(base.dtype() == DType::F32, "Pow base must be f32, got ", dtype_name(base.dtype()));
    // ONNX Pow lets the exponent have its own type; the result has the base's type.
    const Tensor exp_f32 = exponent.cast(DType::F32);
    return broadcast_apply<float, float, float>(base, exp_f32,
                                                [](float x, float y) { return std::pow(x, y); });
}

Tensor prelu(const Tensor& x, const Tensor& slope) {
    POT_CHECK(x.dtype() == DType::F32 && slope.dtype() == DType::F32,
              "PRelu needs f32 input and slope");
    Tensor dst = broadcast_apply<float, float, float>(
        x, slope, [](float v, float s) { return v < 0.0f ? s * v : v; });
    POT_CHECK(dst.shape() == x.shape(), "PRelu slope of shape ", shape_str(slope.shape()),
              " must broadcast to the input shape ", shape_str(x.shape()));
    return dst;
}

}  // namespace

void run_binary(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const std::string& op = ctx.node().op_type;
    if (op == "Pow") return ctx.set_output(0, power(a, b));
    if (op == "PRelu") return ctx.set_output(0, prelu(a, b));
    POT_CHECK(a.dtype() == b.dtype(), "both inputs must have the same type, got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
    if (op == "Mod") {
        const bool fmod = ctx.node().attr_int("fmod", 0) != 0;
        switch (a.dtype()) {
            case DType::F32: return ctx.set_output(0, modulo<float>(a, b, fmod));
            case DType::I32: return ctx.set_output(0, modulo<int32_t>(a, b, fmod));
            case DType::I64: return ctx.set_output(0, modulo<int64_t>(a, b, fmod));
            default:
                POT_THROW(Runtime, "Mod of ", dtype_name(a.dtype()),
                          " is not supported; expected f32, i32 or i64");
        }
    }
    switch (a.dtype()) {
        case DType::F32:
            return ctx.set_output(0, float_arithmetic(op, a, b));
        case DType::I32:
            return ctx.set_output(0, integer_arithmetic<int32_t>(op, a, b));
        case DType::I64:
            return ctx.set_output(0, integer_arithmetic<int64_t>(op, a, b));
        default:
            POT_THROW(Runtime, "element type ", dtype_name(a.dtype()),
                      " is not supported; expected f32, i32 or i64");
    }
}

}  // namespace pot::reference
