#include <algorithm>
#include <limits>

#include <tbb/parallel_for.h>

#include "kernels.hpp"
#include "window.hpp"

namespace pot::reference {

namespace {

enum class PoolKind { Max, Average };

// Runs `kind` pooling over every (image, channel) plane of `x` with the node's window attributes.
Tensor pool(const Node& node, const Tensor& x, PoolKind kind) {
    POT_CHECK(x.rank() >= 3 && x.rank() <= 5,
              "input must be [N, C, spatial...] with 1 to 3 spatial dims, got shape ",
              shape_str(x.shape()));
    const Shape in_spatial(x.shape().begin() + 2, x.shape().end());
    const Shape kernel = node.attr_ints("kernel_shape");
    POT_CHECK(kernel.size() == in_spatial.size(), "kernel_shape ", shape_str(kernel),
              " must have one value per spatial dim of input ", shape_str(x.shape()));
    const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
    const bool count_include_pad = node.attr_int("count_include_pad", 0) != 0;
    const auto geometry = window_axes(node, in_spatial, kernel, ceil_mode);
    Shape out_shape{x.dim(0), x.dim(1)};
    for (const auto& a : geometry) out_shape.push_back(a.out);
    Tensor y(DType::F32, out_shape);

    const auto ax = as_3d(geometry);
    const WindowAxis &ad = ax[0], &ah = ax[1], &aw = ax[2];
    const int64_t in_plane = ad.in * ah.in * aw.in, out_plane = ad.out * ah.out * aw.out;
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    // Taps inside [-pad_begin, in + pad_end) count for count_include_pad; taps beyond the end
    // padding (added by ceil_mode) never count.
    auto padded_taps = [](const WindowAxis& a, int64_t o) {
        int64_t n = 0;
        for (int64_t k = 0; k < a.kernel; ++k) {
            const int64_t p = a.input_pos(o, k);
            n += p >= -a.pad_begin && p < a.in + a.pad_end;
        }
        return n;
    };
    auto inside = [](const WindowAxis& a, int64_t p) { return p >= 0 && p < a.in; };

    tbb::parallel_for(int64_t{0}, x.dim(0) * x.dim(1), [&](int64_t plane) {
        const float* in = src + plane * in_plane;
        float* out = dst + plane * out_plane;
        for (int64_t od = 0; od < ad.out; ++od)
            for (int64_t oh = 0; oh < ah.out; ++oh)
                for (int64_t ow = 0; ow < aw.out; ++ow) {
                    float max_value = std::numeric_limits<float>::lowest();
                    float sum = 0.0f;
                    int64_t count = 0;
                    for (int64_t kd = 0; kd < ad.kernel; ++kd) {
                        const int64_t id = ad.input_pos(od, kd);
                        if (!inside(ad, id)) continue;
                        for (int64_t kh = 0; kh < ah.kernel; ++kh) {
                            const int64_t ih = ah.input_pos(oh, kh);
                            if (!inside(ah, ih)) continue;
                            for (int64_t kw = 0; kw < aw.kernel; ++kw) {
                                const int64_t iw = aw.input_pos(ow, kw);
                                if (!inside(aw, iw)) continue;
                                const float v = in[(id * ah.in + ih) * aw.in + iw];
                                max_value = std::max(max_value, v);
                                sum += v;
                                ++count;
                            }
                        }
                    }
                    float& result = out[(od * ah.out + oh) * aw.out + ow];
                    if (kind == PoolKind::Max) {
                        result = max_value;
                    } else {
                        const int64_t divisor =
                            count_include_pad
                                ? padded_taps(ad, od) * padded_taps(ah, oh) * padded_taps(aw, ow)
                                : count;
                        // A window wholly in the padding averages nothing: 0, as ONNX Runtime.
                        result = count > 0 ? sum / static_cast<float>(divisor) : 0.0f;
                    }
                }
    });
    return y;
}

}  // namespace

void check_pool(const Node& node, int64_t opset) {
    check_auto_pad(node);
    POT_CHECK(node.has_attr("kernel_shape"), "kernel_shape attribute is required");
    if (node.op_type == "MaxPool")
        POT_CHECK(node.attr_int("storage_order", 0) == 0, "storage_order 1 is not supported");
}

void run_max_pool(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    POT_CHECK(!ctx.wants_output(1), "the Indices output of MaxPool is not supported");
    ctx.set_output(0, pool(ctx.node(), ctx.float_input(0), PoolKind::Max));
}

void run_average_pool(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    ctx.set_output(0, pool(ctx.node(), ctx.float_input(0), PoolKind::Average));
}

void run_global_average_pool(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    const Tensor& x = ctx.float_input(0);
    POT_CHECK(x.rank() >= 3, "input must be [N, C, spatial...], got shape ", shape_str(x.shape()));
    Shape out_shape(x.shape().size(), 1);
    out_shape[0] = x.dim(0);
    out_shape[1] = x.dim(1);
    Tensor y(DType::F32, out_shape);
    const int64_t planes = x.dim(0) * x.dim(1), plane_size = planes ? x.numel() / planes : 0;
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    for (int64_t p = 0; p < planes; ++p) {
        float sum = 0.0f;
        for (int64_t i = 0; i < plane_size; ++i) sum += src[p * plane_size + i];
        dst[p] = sum / static_cast<float>(plane_size);
    }
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
