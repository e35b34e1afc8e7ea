#include <tbb/parallel_for.h>

#include "kernels.hpp"
#include "window.hpp"

namespace pot::reference {

void check_conv(const Node& node, int64_t opset) {
    check_auto_pad(node);
    POT_CHECK(node.attr_int("group", 1) >= 1, "group must be >= 1, got ",
              node.attr_int("group", 1));
}

void run_conv(NodeContext& ctx) {
    ctx.expect_inputs(2, 3);
    const Node& node = ctx.node();
    const Tensor& x = ctx.float_input(0);
    const Tensor& w = ctx.float_input(1);
    const Tensor* bias = ctx.optional_input(2);
    POT_CHECK(x.rank() >= 3 && x.rank() <= 5,
              "input must be [N, C, spatial...] with 1 to 3 spatial dims, got shape ",
              shape_str(x.shape()));
    POT_CHECK(w.rank() == x.rank(), "weights of shape ", shape_str(w.shape()),
              " must have the input's rank ", x.rank());
    const int64_t group = node.attr_int("group", 1);
    const int64_t batch = x.dim(0), channels = x.dim(1);
    const int64_t out_channels = w.dim(0), group_in = w.dim(1);
    POT_CHECK(group_in * group == channels && out_channels % group == 0, "weights of shape ",
              shape_str(w.shape()), " with group ", group, " do not fit input of shape ",
              shape_str(x.shape()));
    if (bias) {
        POT_CHECK(bias->dtype() == DType::F32 && bias->numel() == out_channels,
                  "bias must be f32 with ", out_channels, " values, got shape ",
                  shape_str(bias->shape()));
    }
    const Shape in_spatial(x.shape().begin() + 2, x.shape().end());
    const Shape kernel(w.shape().begin() + 2, w.shape().end());
    if (node.has_attr("kernel_shape"))
        POT_CHECK(node.attr_ints("kernel_shape") == kernel,
                  "kernel_shape attribute does not match weights of shape ", shape_str(w.shape()));
    const auto geometry = window_axes(node, in_spatial, kernel, false);
    Shape out_shape{batch, out_channels};
    for (const auto& a : geometry) out_shape.push_back(a.out);
    Tensor y(DType::F32, out_shape);

    const auto ax = as_3d(geometry);
    const WindowAxis &ad = ax[0], &ah = ax[1], &aw = ax[2];
    const int64_t in_plane = ad.in * ah.in * aw.in, out_plane = ad.out * ah.out * aw.out;
    const int64_t kernel_size = ad.kernel * ah.kernel * aw.kernel;
    const int64_t group_out = out_channels / group;
    const float* src = x.data<float>();
    const float* weights = w.data<float>();
    float* dst = y.data<float>();

    // One task per (image, output channel): each output plane is summed in the same order
    // whatever the thread count, so results are deterministic.
    tbb::parallel_for(int64_t{0}, batch * out_channels, [&](int64_t task) {
        const int64_t n = task / out_channels, m = task % out_channels, g = m / group_out;
        float* out = dst + task * out_plane;
        const float b = bias ? bias->data<float>()[m] : 0.0f;
        std::fill(out, out + out_plane, b);
        for (int64_t ic = 0; ic < group_in; ++ic) {
            const float* in = src + (n * channels + g * group_in + ic) * in_plane;
            const float* wk = weights + (m * group_in + ic) * kernel_size;
            for (int64_t kd = 0; kd < ad.kernel; ++kd)
                for (int64_t kh = 0; kh < ah.kernel; ++kh)
                    for (int64_t kw = 0; kw < aw.kernel; ++kw) {
                        const float wv = wk[(kd * ah.kernel + kh) * aw.kernel + kw];
                        int64_t od0, od1, oh0, oh1, ow0, ow1;
                        ad.valid_outputs(kd, od0, od1);
                        ah.valid_outputs(kh, oh0, oh1);
                        aw.valid_outputs(kw, ow0, ow1);
                        for (int64_t od = od0; od < od1; ++od)
                            for (int64_t oh = oh0; oh < oh1; ++oh) {
                                const float* in_row =
                                    in +
                                    (ad.input_pos(od, kd) * ah.in + ah.input_pos(oh, kh)) * aw.in;
                                float* out_row = out + (od * ah.out + oh) * aw.out;
                                // in_tap[ow * stride] is the input under tap kw of output ow.
                                const float* in_tap = in_row + aw.input_pos(0, kw);
                                if (aw.stride == 1) {
                                    for (int64_t ow = ow0; ow < ow1; ++ow)
                                        out_row[ow] += wv * in_tap[ow];
                                } else {
                                    for (int64_t ow = ow0; ow < ow1; ++ow)
                                        out_row[ow] += wv * in_tap[ow * aw.stride];
                                }
                            }
                    }
        }
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
