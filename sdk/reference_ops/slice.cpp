#include <algorithm>
#include <limits>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

void run_slice(NodeContext& ctx) {
    const Node& node = ctx.node();
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> starts, ends, axes, steps;
    if (ctx.opset() < 10 && !ctx.has_input(1)) {
        ctx.expect_inputs(1, 1);
        starts = node.attr_ints("starts");
        ends = node.attr_ints("ends");
        axes = node.attr_ints("axes");
    } else {
        ctx.expect_inputs(3, 5);
        starts = read_ints(ctx.input(1));
        ends = read_ints(ctx.input(2));
        if (const Tensor* t = ctx.optional_input(3)) axes = read_ints(*t);
        if (const Tensor* t = ctx.optional_input(4)) steps = read_ints(*t);
    }
    POT_CHECK(starts.size() == ends.size(), "starts and ends differ in length (", starts.size(),
              " vs ", ends.size(), ")");
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    POT_CHECK(axes.size() == starts.size() && steps.size() == starts.size(),
              "starts, ends, axes and steps must have the same length");

    // Per dim: first index and step; dims not named keep their full range.
    Shape out_shape = x.shape();
    std::vector<int64_t> first(x.shape().size(), 0), step(x.shape().size(), 1);
    std::vector<bool> seen(x.shape().size(), false);
    for (size_t i = 0; i < axes.size(); ++i) {
        const auto d = static_cast<size_t>(normalize_axis(axes[i], x.rank()));
        POT_CHECK(!seen[d], "axis ", axes[i], " is listed twice");
        seen[d] = true;
        const int64_t dim = x.shape()[d];
        POT_CHECK(steps[i] != 0, "step of axis ", axes[i], " is 0");
        // Negative indices count from the end; then clamp like Python slicing.
        int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
        int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
        if (steps[i] > 0) {
            s = std::clamp(s, int64_t{0}, dim);
            e = std::clamp(e, int64_t{0}, dim);
            out_shape[d] = e > s ? (e - s - 1) / steps[i] + 1 : 0;
        } else {
            s = std::clamp(s, int64_t{0}, std::max<int64_t>(dim - 1, 0));
            e = std::clamp(e, int64_t{-1}, dim - 1);
            // A step longer than the dim takes one element; capping it keeps -step finite.
            out_shape[d] = s > e && dim > 0 ? (s - e - 1) / -std::max(steps[i], -dim) + 1 : 0;
        }
        first[d] = s;
        step[d] = steps[i];
    }
    const Shape in_strides = strides_of(x.shape());
    Tensor y(x.dtype(), out_shape);
    int64_t i = 0;
    for_each_index(out_shape, [&](const std::vector<int64_t>& at) {
        int64_t offset = 0;
        for (size_t d = 0; d < at.size(); ++d)
            offset += (first[d] + at[d] * step[d]) * in_strides[d];
        copy_element(x, offset, y, i++);
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
