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

// ScatterND: a copy of data with the slices that indices address replaced by (or, with a
// reduction, combined with) updates, in the order of the updates.
void run_scatter_nd(NodeContext& ctx) {
    ctx.expect_inputs(3, 3);
    const Tensor& data = ctx.input(0);
    const Tensor& indices = ctx.input(1);
    const Tensor& updates = ctx.input(2);
    POT_CHECK(indices.dtype() == DType::I64, "indices must be i64, got ", dtype_name(indices.dtype()));
    POT_CHECK(updates.dtype() == data.dtype(), "updates (", dtype_name(updates.dtype()),
              ") must have the data's type (", dtype_name(data.dtype()), ")");
    POT_CHECK(indices.rank() >= 1, "indices must have rank >= 1");
    const int64_t k = indices.dim(-1);
    POT_CHECK(k >= 1 && k <= data.rank(), "the last dimension of indices (", k,
              ") must be between 1 and the data rank ", data.rank());
    // updates.shape = indices.shape[:-1] + data.shape[k:]
    Shape want(indices.shape().begin(), indices.shape().end() - 1);
    want.insert(want.end(), data.shape().begin() + k, data.shape().end());
    POT_CHECK(updates.shape() == want, "updates of shape ", shape_str(updates.shape()),
              " must have shape ", shape_str(want));
    const std::string reduction = ctx.node().attr_string("reduction", "none");
    POT_CHECK(reduction == "none" || ((reduction == "add" || reduction == "mul") &&
                                      data.dtype() == DType::F32),
              "reduction '", reduction, "' is not supported; none (any type), add or mul (f32)");
    const Shape strides = strides_of(data.shape());
    int64_t slice = 1;
    for (int64_t d = k; d < data.rank(); ++d) slice *= data.dim(d);
    const auto idx = read_ints(indices);
    Tensor y = data;
    const int64_t count = k == 0 ? 0 : static_cast<int64_t>(idx.size()) / k;
    for (int64_t u = 0; u < count; ++u) {
        int64_t offset = 0;
        for (int64_t d = 0; d < k; ++d) {
            int64_t i = idx[static_cast<size_t>(u * k + d)];
            const int64_t dim = data.dim(d);
            POT_CHECK(i >= -dim && i < dim, "index ", i, " is out of range for dimension ", d,
                      " of size ", dim);
            if (i < 0) i += dim;
            offset += i * strides[static_cast<size_t>(d)];
        }
        for (int64_t j = 0; j < slice; ++j) {
            if (reduction == "none") {
                copy_element(updates, u * slice + j, y, offset + j);
            } else {
                float& dst = y.data<float>()[offset + j];
                const float v = updates.data<float>()[u * slice + j];
                dst = reduction == "add" ? dst + v : dst * v;
            }
        }
    }
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
