#include <tbb/parallel_for.h>

#include <algorithm>

#include "kernels.hpp"
#include "tensor_index.hpp"
#include "window.hpp"

namespace pot::reference {

namespace {

// Checks Conv and ConvTranspose share.
void check_operand_ranks(const Tensor& x, const Tensor& w) {
    POT_CHECK(x.rank() >= 3 && x.rank() <= 5,
              "input must be [N, C, spatial...] with 1 to 3 spatial dims, got shape ",
              shape_str(x.shape()));
    POT_CHECK(w.rank() == x.rank(), "weights of shape ", shape_str(w.shape()),
              " must have the input's rank ", x.rank());
}

void check_bias(const Tensor* bias, int64_t out_channels) {
    if (!bias) return;
    POT_CHECK(bias->dtype() == DType::F32 && bias->numel() == out_channels, "bias must be f32 with ",
              out_channels, " values, got shape ", shape_str(bias->shape()));
}

// The spatial kernel size of weights `w`, checked against the kernel_shape attribute.
Shape kernel_of(const Node& node, const Tensor& w) {
    const Shape kernel(w.shape().begin() + 2, w.shape().end());
    if (node.has_attr("kernel_shape"))
        POT_CHECK(node.attr_ints("kernel_shape") == kernel,
                  "kernel_shape attribute does not match weights of shape ", shape_str(w.shape()));
    return kernel;
}

}  // namespace

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
    check_operand_ranks(x, w);
    const int64_t group = node.attr_int("group", 1);
    const int64_t batch = x.dim(0), channels = x.dim(1);
    const int64_t out_channels = w.dim(0), group_in = w.dim(1);
    POT_CHECK(group_in * group == channels && out_channels % group == 0, "weights of shape ",
              shape_str(w.shape()), " with group ", group, " do not fit input of shape ",
              shape_str(x.shape()));
    check_bias(bias, out_channels);
    const Shape in_spatial(x.shape().begin() + 2, x.shape().end());
    const Shape kernel = kernel_of(node, w);
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

namespace pot::reference {

namespace {

// One spatial axis of a ConvTranspose: input position i, tap k lands on output
// i * stride - pad_begin + k * dilation.
struct TransposedAxis {
    int64_t in = 1, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, out = 1;
};

std::vector<TransposedAxis> transposed_axes(const Node& node, const Shape& in, const Shape& kernel) {
    const size_t rank = in.size();
    const auto [strides, dilations, pads] = window_attributes(node, rank);
    const auto output_padding = node.attr_ints("output_padding", std::vector<int64_t>(rank, 0));
    const auto output_shape = node.attr_ints("output_shape", {});
    const bool valid = node.attr_string("auto_pad", "NOTSET") == "VALID";
    POT_CHECK(output_padding.size() == rank, "output_padding has ", output_padding.size(),
              " values, expected ", rank);
    POT_CHECK(output_shape.empty() || output_shape.size() == rank ||
                  output_shape.size() == rank + 2,
              "output_shape has ", output_shape.size(), " values, expected ", rank);
    std::vector<TransposedAxis> axes(rank);
    for (size_t i = 0; i < rank; ++i) {
        TransposedAxis& a = axes[i];
        a.in = in[i];
        a.kernel = kernel[i];
        a.stride = strides[i];
        a.dilation = dilations[i];
        check_window_axis(a.kernel, a.stride, a.dilation);
        POT_CHECK(output_padding[i] >= 0 && output_padding[i] < std::max(a.stride, a.dilation),
                  "output_padding ", output_padding[i], " must be in [0, max(stride, dilation))");
        const int64_t full = (a.in - 1) * a.stride + output_padding[i] + (a.kernel - 1) * a.dilation + 1;
        if (!output_shape.empty()) {
            a.out = output_shape[output_shape.size() - rank + i];
            const int64_t total = full - a.out;
            // The ONNX text puts an odd padding element first, ONNX Runtime last: only an even
            // total is unambiguous.
            POT_CHECK(total >= 0 && total % 2 == 0, "output_shape ", a.out, " needs a total ",
                      "padding of ", total, "; only even, non-negative totals are supported");
            a.pad_begin = total / 2;
        } else {
            a.pad_begin = valid ? 0 : pads[i];
            const int64_t pad_end = valid ? 0 : pads[rank + i];
            POT_CHECK(a.pad_begin >= 0 && pad_end >= 0, "pads must not be negative");
            a.out = full - a.pad_begin - pad_end;
        }
        POT_CHECK(a.out >= 1, "output length ", a.out, " along spatial axis ", i, " is empty");
    }
    while (axes.size() < 3) axes.insert(axes.begin(), TransposedAxis{});
    return axes;
}

}  // namespace

void check_conv_transpose(const Node& node, int64_t opset) {
    const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
    POT_CHECK(auto_pad == "NOTSET" || auto_pad == "VALID", "auto_pad '", auto_pad,
              "' is not supported for ConvTranspose; use explicit pads (NOTSET) or VALID");
    POT_CHECK(node.attr_int("group", 1) >= 1, "group must be >= 1, got ", node.attr_int("group", 1));
}

void run_conv_transpose(NodeContext& ctx) {
    ctx.expect_inputs(2, 3);
    const Node& node = ctx.node();
    const Tensor& x = ctx.float_input(0);
    const Tensor& w = ctx.float_input(1);
    const Tensor* bias = ctx.optional_input(2);
    check_operand_ranks(x, w);
    const int64_t group = node.attr_int("group", 1);
    const int64_t batch = x.dim(0), channels = x.dim(1);
    // Weights are [C, M / group, k...]: input channels first.
    const int64_t group_out = w.dim(1), out_channels = group_out * group;
    POT_CHECK(w.dim(0) == channels && channels % group == 0, "weights of shape ",
              shape_str(w.shape()), " with group ", group, " do not fit input of shape ",
              shape_str(x.shape()));
    const int64_t group_in = channels / group;
    check_bias(bias, out_channels);
    const Shape in_spatial(x.shape().begin() + 2, x.shape().end());
    const Shape kernel = kernel_of(node, w);
    const auto ax = transposed_axes(node, in_spatial, kernel);
    Shape out_shape{batch, out_channels};
    for (size_t i = 3 - in_spatial.size(); i < 3; ++i) out_shape.push_back(ax[i].out);
    check_generated_size(out_shape, "ConvTranspose");
    Tensor y(DType::F32, out_shape);

    const TransposedAxis &ad = ax[0], &ah = ax[1], &aw = ax[2];
    const int64_t in_plane = ad.in * ah.in * aw.in, out_plane = ad.out * ah.out * aw.out;
    const int64_t kernel_size = ad.kernel * ah.kernel * aw.kernel;
    const float* src = x.data<float>();
    const float* weights = w.data<float>();
    float* dst = y.data<float>();

    // One task per (image, output channel), summed in a fixed order: deterministic results.
    tbb::parallel_for(int64_t{0}, batch * out_channels, [&](int64_t task) {
        const int64_t n = task / out_channels, m = task % out_channels;
        const int64_t g = m / group_out, mg = m % group_out;
        float* out = dst + task * out_plane;
        std::fill(out, out + out_plane, bias ? bias->data<float>()[m] : 0.0f);
        for (int64_t ic = 0; ic < group_in; ++ic) {
            const int64_t c = g * group_in + ic;
            const float* in = src + (n * channels + c) * in_plane;
            const float* wk = weights + (c * group_out + mg) * kernel_size;
            for (int64_t kd = 0; kd < ad.kernel; ++kd)
                for (int64_t kh = 0; kh < ah.kernel; ++kh)
                    for (int64_t kw = 0; kw < aw.kernel; ++kw) {
                        const float wv = wk[(kd * ah.kernel + kh) * aw.kernel + kw];
                        for (int64_t id = 0; id < ad.in; ++id) {
                            const int64_t od = id * ad.stride - ad.pad_begin + kd * ad.dilation;
                            if (od < 0 || od >= ad.out) continue;
                            for (int64_t ih = 0; ih < ah.in; ++ih) {
                                const int64_t oh = ih * ah.stride - ah.pad_begin + kh * ah.dilation;
                                if (oh < 0 || oh >= ah.out) continue;
                                const float* in_row = in + (id * ah.in + ih) * aw.in;
                                float* out_row = out + (od * ah.out + oh) * aw.out;
                                for (int64_t iw = 0; iw < aw.in; ++iw) {
                                    const int64_t ow = iw * aw.stride - aw.pad_begin + kw * aw.dilation;
                                    if (ow >= 0 && ow < aw.out) out_row[ow] += wv * in_row[iw];
                                }
                            }
                        }
                    }
        }
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
