#include <tbb/parallel_for.h>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// A matrix inside a buffer: element (r, c) is at data[r * row_stride + c * col_stride], which
// describes a transposed operand without copying it.
struct MatrixView {
    const float* data;
    int64_t rows, cols, row_stride, col_stride;
    float at(int64_t r, int64_t c) const { return data[r * row_stride + c * col_stride]; }
};

MatrixView matrix(const float* data, int64_t rows, int64_t cols, bool transposed) {
    // Stored row-major as [rows, cols], or as [cols, rows] when transposed.
    return transposed ? MatrixView{data, rows, cols, 1, rows}
                      : MatrixView{data, rows, cols, cols, 1};
}

// dst[M, N] = a[M, K] * b[K, N]. Each output row is computed by one task, summing over k in
// order, so results do not depend on the thread count.
void multiply(const MatrixView& a, const MatrixView& b, float* dst) {
    const int64_t rows = a.rows, inner = a.cols, cols = b.cols;
    tbb::parallel_for(int64_t{0}, rows, [&](int64_t i) {
        float* out = dst + i * cols;
        if (b.row_stride == 1 && b.col_stride != 1) {
            // B stored transposed ([N, K], as Gemm transB=1): column j is contiguous, so take
            // dot products instead of striding through memory.
            for (int64_t j = 0; j < cols; ++j) {
                const float* b_col = b.data + j * b.col_stride;
                float sum = 0.0f;
                for (int64_t k = 0; k < inner; ++k) sum += a.at(i, k) * b_col[k];
                out[j] = sum;
            }
            return;
        }
        std::fill(out, out + cols, 0.0f);
        for (int64_t k = 0; k < inner; ++k) {
            const float aik = a.at(i, k);
            const float* b_row = b.data + k * b.row_stride;
            for (int64_t j = 0; j < cols; ++j) out[j] += aik * b_row[j * b.col_stride];
        }
    });
}

}  // namespace

void run_gemm(NodeContext& ctx) {
    ctx.expect_inputs(2, 3);
    const Node& node = ctx.node();
    const Tensor& a = ctx.float_input(0);
    const Tensor& b = ctx.float_input(1);
    const Tensor* c = ctx.optional_input(2);
    const bool trans_a = node.attr_int("transA", 0) != 0, trans_b = node.attr_int("transB", 0) != 0;
    const float alpha = node.attr_float("alpha", 1.0f), beta = node.attr_float("beta", 1.0f);
    POT_CHECK(a.rank() == 2 && b.rank() == 2, "A and B must be matrices, got shapes ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
    const int64_t m = trans_a ? a.dim(1) : a.dim(0), k = trans_a ? a.dim(0) : a.dim(1);
    const int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
    POT_CHECK(k == kb, "inner dimensions differ: A", trans_a ? "^T" : "", " is [", m, ",", k,
              "] and B", trans_b ? "^T" : "", " is [", kb, ",", n, "]");
    Tensor y(DType::F32, {m, n});
    multiply(matrix(a.data<float>(), m, k, trans_a), matrix(b.data<float>(), k, n, trans_b),
             y.data<float>());
    float* out = y.data<float>();
    for (int64_t i = 0; i < m * n; ++i) out[i] *= alpha;
    if (c && beta != 0.0f) {
        POT_CHECK(c->dtype() == DType::F32, "C must be f32, got ", dtype_name(c->dtype()));
        const Shape c_strides = broadcast_strides(c->shape(), {m, n});
        const float* pc = c->data<float>();
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
                out[i * n + j] += beta * pc[i * c_strides[0] + j * c_strides[1]];
    }
    ctx.set_output(0, std::move(y));
}

void run_matmul(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& a = ctx.float_input(0);
    const Tensor& b = ctx.float_input(1);
    POT_CHECK(a.rank() >= 1 && b.rank() >= 1, "MatMul inputs must have rank >= 1, got shapes ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
    // numpy.matmul: a 1-D A is a row vector, a 1-D B a column vector; the added dim is dropped.
    Shape sa = a.shape(), sb = b.shape();
    if (a.rank() == 1) sa.insert(sa.begin(), 1);
    if (b.rank() == 1) sb.push_back(1);
    const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
    POT_CHECK(sb[sb.size() - 2] == k, "inner dimensions differ: shapes ", shape_str(a.shape()),
              " and ", shape_str(b.shape()));
    const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
    const Shape batch = broadcast_shapes(batch_a, batch_b);
    const Shape strides_a = broadcast_strides(batch_a, batch);
    const Shape strides_b = broadcast_strides(batch_b, batch);

    Shape out_shape = batch;
    if (a.rank() > 1) out_shape.push_back(m);
    if (b.rank() > 1) out_shape.push_back(n);
    Tensor y(DType::F32, out_shape);
    float* out = y.data<float>();
    int64_t index = 0;
    for_each_index(batch, [&](const std::vector<int64_t>& at) {
        const float* pa = a.data<float>() + offset_of(at, strides_a) * m * k;
        const float* pb = b.data<float>() + offset_of(at, strides_b) * k * n;
        multiply(matrix(pa, m, k, false), matrix(pb, k, n, false), out + index * m * n);
        ++index;
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
