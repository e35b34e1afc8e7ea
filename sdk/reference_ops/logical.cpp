// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual), boolean logic (And, Or, Xor,
// Not) and Where. Comparisons take any numeric type and yield bool; the logic ops take bool.
#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

template <typename T>
Tensor compare(const std::string& op, const Tensor& a, const Tensor& b) {
    if (op == "Equal") return broadcast_apply<bool, T, T>(a, b, [](T x, T y) { return x == y; });
    if (op == "Less") return broadcast_apply<bool, T, T>(a, b, [](T x, T y) { return x < y; });
    if (op == "Greater") return broadcast_apply<bool, T, T>(a, b, [](T x, T y) { return x > y; });
    if (op == "LessOrEqual")
        return broadcast_apply<bool, T, T>(a, b, [](T x, T y) { return x <= y; });
    if (op == "GreaterOrEqual")
        return broadcast_apply<bool, T, T>(a, b, [](T x, T y) { return x >= y; });
    POT_THROW(Runtime, "no comparison for op '", op, "'");
}

void require_bool(const Tensor& t, size_t index) {
    POT_CHECK(t.dtype() == DType::Bool, "input ", index, " must be bool, got ",
              dtype_name(t.dtype()));
}

}  // namespace

void run_compare(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    POT_CHECK(a.dtype() == b.dtype(), "both inputs must have the same type, got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
    const std::string& op = ctx.node().op_type;
    ctx.set_output(0, visit_dtype(a.dtype(), [&](auto tag) {
                       using T = decltype(tag);
                       return compare<T>(op, a, b);
                   }));
}

void run_logical(NodeContext& ctx) {
    const std::string& op = ctx.node().op_type;
    if (op == "Not") {
        ctx.expect_inputs(1, 1);
        const Tensor& x = ctx.input(0);
        require_bool(x, 0);
        Tensor y(DType::Bool, x.shape());
        const bool* src = x.data<bool>();
        bool* dst = y.data<bool>();
        for (int64_t i = 0; i < x.numel(); ++i) dst[i] = !src[i];
        return ctx.set_output(0, std::move(y));
    }
    ctx.expect_inputs(2, 2);
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    require_bool(a, 0);
    require_bool(b, 1);
    if (op == "And")
        return ctx.set_output(0, broadcast_apply<bool, bool, bool>(a, b, [](bool x, bool y) { return x && y; }));
    if (op == "Or")
        return ctx.set_output(0, broadcast_apply<bool, bool, bool>(a, b, [](bool x, bool y) { return x || y; }));
    if (op == "Xor")
        return ctx.set_output(0, broadcast_apply<bool, bool, bool>(a, b, [](bool x, bool y) { return x != y; }));
    POT_THROW(Runtime, "no logic for op '", op, "'");
}

void run_where(NodeContext& ctx) {
    ctx.expect_inputs(3, 3);
    const Tensor& cond = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    require_bool(cond, 0);
    POT_CHECK(x.dtype() == y.dtype(), "inputs 1 and 2 must have the same type, got ",
              dtype_name(x.dtype()), " and ", dtype_name(y.dtype()));
    const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), x.shape()), y.shape());
    const Shape c_strides = broadcast_strides(cond.shape(), shape);
    const Shape x_strides = broadcast_strides(x.shape(), shape);
    const Shape y_strides = broadcast_strides(y.shape(), shape);
    Tensor out(x.dtype(), shape);
    const bool* c = cond.data<bool>();
    int64_t i = 0;
    for_each_index(shape, [&](const std::vector<int64_t>& index) {
        if (c[offset_of(index, c_strides)])
            copy_element(x, offset_of(index, x_strides), out, i);
        else
            copy_element(y, offset_of(index, y_strides), out, i);
        ++i;
    });
    ctx.set_output(0, std::move(out));
}

}  // namespace pot::reference
