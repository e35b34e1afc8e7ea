#include <algorithm>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

void run_reduce_mean(NodeContext& ctx) {
    ctx.expect_inputs(1, 2);
    const Node& node = ctx.node();
    const Tensor& x = ctx.float_input(0);
    // Axes are an attribute up to opset 17 and an optional input from opset 18.
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
    std::vector<double> sums(static_cast<size_t>(shape_numel(kept_shape)), 0.0);
    const float* src = x.data<float>();
    int64_t i = 0;
    for_each_index(x.shape(), [&](const std::vector<int64_t>& at) {
        sums[static_cast<size_t>(offset_of(at, kept_strides))] += src[i++];
    });

    Shape out_shape;
    for (size_t d = 0; d < reduced.size(); ++d)
        if (!reduced[d] || keep_dims) out_shape.push_back(kept_shape[d]);
    Tensor y(DType::F32, out_shape);
    for (size_t k = 0; k < sums.size(); ++k)
        y.data<float>()[k] = static_cast<float>(sums[k] / static_cast<double>(count));
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
