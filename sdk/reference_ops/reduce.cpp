#include <algorithm>
#include <limits>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

enum class Reduction { Mean, Sum, Max, Min };

// ReduceMean / ReduceSum / ReduceMax / ReduceMin over the axes of the attribute (or, from
// ReduceSum's opset 13 and the others' opset 18, of the optional second input); no axes: all.
void run_reduce(NodeContext& ctx, Reduction kind) {
    ctx.expect_inputs(1, 2);
    const Node& node = ctx.node();
    const Tensor& x = ctx.float_input(0);
    std::vector<int64_t> axes = node.attr_ints("axes");
    if (const Tensor* t = ctx.optional_input(1)) axes = read_ints(*t);
    const bool keep_dims = node.attr_int("keepdims", 1) != 0;
    if (axes.empty() && node.attr_int("noop_with_empty_axes", 0) != 0) {
        ctx.set_output(0, x);
        return;
    }
    std::vector<bool> reduced(x.shape().size(), axes.empty());
    for (int64_t a : axes) reduced[static_cast<size_t>(normalize_axis(a, x.rank()))] = true;

    Shape kept_shape = x.shape();  // the output shape with keepdims=1
    int64_t count = 1;
    for (size_t d = 0; d < reduced.size(); ++d)
        if (reduced[d]) {
            count *= kept_shape[d];
            kept_shape[d] = 1;
        }
    const Shape kept_strides = broadcast_strides(kept_shape, x.shape());
    const double start = kind == Reduction::Max   ? -std::numeric_limits<double>::infinity()
                         : kind == Reduction::Min ? std::numeric_limits<double>::infinity()
                                                  : 0.0;
    std::vector<double> sums(static_cast<size_t>(shape_numel(kept_shape)), start);
    const float* src = x.data<float>();
    int64_t i = 0;
    for_each_index(x.shape(), [&](const std::vector<int64_t>& at) {
        double& acc = sums[static_cast<size_t>(offset_of(at, kept_strides))];
        const double v = src[i++];
        acc = kind == Reduction::Max ? std::max(acc, v) : kind == Reduction::Min ? std::min(acc, v) : acc + v;
    });

    Shape out_shape;
    for (size_t d = 0; d < reduced.size(); ++d)
        if (!reduced[d] || keep_dims) out_shape.push_back(kept_shape[d]);
    Tensor y(DType::F32, out_shape);
    for (size_t k = 0; k < sums.size(); ++k)
        y.data<float>()[k] =
            static_cast<float>(kind == Reduction::Mean ? sums[k] / static_cast<double>(count) : sums[k]);
    ctx.set_output(0, std::move(y));
}

}  // namespace

void run_reduce_mean(NodeContext& ctx) { run_reduce(ctx, Reduction::Mean); }
void run_reduce_sum(NodeContext& ctx) { run_reduce(ctx, Reduction::Sum); }
void run_reduce_max(NodeContext& ctx) { run_reduce(ctx, Reduction::Max); }
void run_reduce_min(NodeContext& ctx) { run_reduce(ctx, Reduction::Min); }

}  // namespace pot::reference
