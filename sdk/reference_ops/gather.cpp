#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

void run_gather(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& data = ctx.input(0);
    const Tensor& indices = ctx.input(1);
    POT_CHECK(indices.dtype() == DType::I64 || indices.dtype() == DType::I32,
              "indices must be i32 or i64, got ", dtype_name(indices.dtype()));
    POT_CHECK(data.rank() >= 1, "data must have rank >= 1");
    const int64_t axis = normalize_axis(ctx.node().attr_int("axis", 0), data.rank());
    const int64_t dim = data.dim(axis);
    // Output shape: data dims before axis, then the indices' shape, then data dims after axis.
    Shape out_shape(data.shape().begin(), data.shape().begin() + axis);
    out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
    out_shape.insert(out_shape.end(), data.shape().begin() + axis + 1, data.shape().end());

    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < data.rank(); ++d)
        if (d < axis)
            outer *= data.dim(d);
        else if (d > axis)
            inner *= data.dim(d);
    const auto picks = read_ints(indices);
    Tensor y(data.dtype(), out_shape);
    int64_t out = 0;
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t pick : picks) {
            POT_CHECK(pick >= -dim && pick < dim, "index ", pick, " is out of range for dim ", axis,
                      " of size ", dim);
            const int64_t row = pick < 0 ? pick + dim : pick;
            for (int64_t i = 0; i < inner; ++i)
                copy_element(data, (o * dim + row) * inner + i, y, out++);
        }
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
