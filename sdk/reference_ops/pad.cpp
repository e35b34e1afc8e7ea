#include <algorithm>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

void check_pad(const Node& node, int64_t opset) {
    const std::string mode = node.attr_string("mode", "constant");
    POT_CHECK(mode == "constant" || mode == "reflect" || mode == "edge", "Pad mode '", mode,
              "' is not supported; expected constant, reflect or edge");
}

void run_pad(NodeContext& ctx) {
    const Node& node = ctx.node();
    const Tensor& x = ctx.input(0);
    const std::string mode = node.attr_string("mode", "constant");
    std::vector<int64_t> pads;
    float value = 0.0f;
    std::vector<int64_t> axes;
    // Pads and value are attributes before opset 11, inputs from 11 on (axes from 18).
    if (ctx.opset() < 11 && !ctx.has_input(1)) {
        ctx.expect_inputs(1, 1);
        pads = node.attr_ints("pads");
        value = node.attr_float("value", 0.0f);
    } else {
        ctx.expect_inputs(2, 4);
        pads = read_ints(ctx.input(1));
        if (const Tensor* t = ctx.optional_input(2); t && t->numel() > 0) value = read_scalar(*t);
        if (const Tensor* t = ctx.optional_input(3)) axes = read_ints(*t);
    }
    const size_t rank = x.shape().size();
    if (axes.empty())
        for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
    POT_CHECK(pads.size() == 2 * axes.size(), "pads has ", pads.size(), " values, expected ",
              2 * axes.size(), " (begin and end for each padded axis)");
    std::vector<int64_t> begin(rank, 0), end(rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
        const auto d = static_cast<size_t>(normalize_axis(axes[i], x.rank()));
        begin[d] = pads[i];
        end[d] = pads[axes.size() + i];
    }
    Shape out_shape = x.shape();
    for (size_t d = 0; d < rank; ++d) {
        out_shape[d] += begin[d] + end[d];
        POT_CHECK(out_shape[d] >= 0, "pads ", shape_str(pads), " remove more than dim ", d,
                  " of shape ", shape_str(x.shape()));
        if (mode == "reflect")
            POT_CHECK(x.shape()[d] >= 2 || (begin[d] <= 0 && end[d] <= 0),
                      "reflect padding needs at least 2 elements along dim ", d);
        if (mode != "constant")
            POT_CHECK(x.shape()[d] >= 1 || (begin[d] <= 0 && end[d] <= 0), "cannot ", mode,
                      "-pad the empty dim ", d);
    }

    // Source index along one dim for output position o, or -1 for the constant value.
    auto source = [&](size_t d, int64_t o) -> int64_t {
        const int64_t n = x.shape()[d];
        int64_t i = o - begin[d];
        if (i >= 0 && i < n) return i;
        if (mode == "constant") return -1;
        if (mode == "edge") return std::clamp(i, int64_t{0}, n - 1);
        // reflect mirrors around the first and last element without repeating them.
        const int64_t period = 2 * (n - 1);
        i = ((i % period) + period) % period;
        return i < n ? i : period - i;
    };
    const Shape in_strides = strides_of(x.shape());
    Tensor y(x.dtype(), out_shape);
    visit_dtype(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* src = x.data<T>();
        T* dst = y.data<T>();
        const T fill = static_cast<T>(value);
        int64_t k = 0;
        for_each_index(out_shape, [&](const std::vector<int64_t>& at) {
            int64_t offset = 0;
            for (size_t d = 0; d < rank; ++d) {
                const int64_t i = source(d, at[d]);
                if (i < 0) {
                    offset = -1;
                    break;
                }
                offset += i * in_strides[d];
            }
            dst[k++] = offset < 0 ? fill : src[offset];
        });
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
