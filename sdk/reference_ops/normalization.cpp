#include <cmath>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// The values of `t` (f32, shape broadcastable to `shape`) expanded to one per element of `shape`.
std::vector<float> expand_to(const Tensor& t, const Shape& shape, const char* what) {
    POT_CHECK(t.dtype() == DType::F32, what, " must be f32, got ", dtype_name(t.dtype()));
    const Shape strides = broadcast_strides(t.shape(), shape);
    std::vector<float> out;
    out.reserve(static_cast<size_t>(shape_numel(shape)));
    const float* src = t.data<float>();
    for_each_index(
        shape, [&](const std::vector<int64_t>& at) { out.push_back(src[offset_of(at, strides)]); });
    return out;
}

}  // namespace

void check_batch_normalization(const Node& node, int64_t opset) {
    POT_CHECK(node.attr_int("training_mode", 0) == 0,
              "training_mode 1 is not supported; only inference BatchNormalization runs here");
}

void run_batch_normalization(NodeContext& ctx) {
    ctx.expect_inputs(5, 5);
    for (size_t i = 1; i < ctx.output_count(); ++i)
        POT_CHECK(!ctx.wants_output(i), "training outputs (running mean/var) are not supported");
    const Tensor& x = ctx.float_input(0);
    POT_CHECK(x.rank() >= 2, "input must be [N, C, ...], got shape ", shape_str(x.shape()));
    const int64_t channels = x.dim(1);
    const char* names[] = {"scale", "B", "mean", "var"};
    std::vector<std::vector<float>> params;
    for (size_t i = 1; i <= 4; ++i) {
        const Tensor& p = ctx.float_input(i);
        POT_CHECK(p.numel() == channels, names[i - 1], " must have ", channels,
                  " values (one per channel), got shape ", shape_str(p.shape()));
        params.push_back(p.to_floats());
    }
    const auto &scale = params[0], &bias = params[1], &mean = params[2], &var = params[3];
    const float epsilon = ctx.node().attr_float("epsilon", 1e-5f);
    const int64_t planes = x.dim(0) * channels, inner = planes ? x.numel() / planes : 0;
    Tensor y(DType::F32, x.shape());
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    for (int64_t n = 0; n < x.dim(0); ++n)
        for (int64_t c = 0; c < channels; ++c) {
            const size_t ci = static_cast<size_t>(c);
            const float inv_std = 1.0f / std::sqrt(var[ci] + epsilon);
            const int64_t base = (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i)
                dst[base + i] = (src[base + i] - mean[ci]) * inv_std * scale[ci] + bias[ci];
        }
    ctx.set_output(0, std::move(y));
}

void run_layer_normalization(NodeContext& ctx) {
    ctx.expect_inputs(2, 3);
    const Tensor& x = ctx.float_input(0);
    const int64_t axis = normalize_axis(ctx.node().attr_int("axis", -1), x.rank());
    const float epsilon = ctx.node().attr_float("epsilon", 1e-5f);
    const Shape norm_shape(x.shape().begin() + axis, x.shape().end());
    const int64_t inner = shape_numel(norm_shape);
    const int64_t outer = inner ? x.numel() / inner : 0;
    const auto scale = expand_to(ctx.input(1), norm_shape, "Scale");
    const auto bias = ctx.has_input(2) ? expand_to(ctx.input(2), norm_shape, "B")
                                       : std::vector<float>(static_cast<size_t>(inner), 0.0f);

    Shape stat_shape = x.shape();
    for (size_t d = static_cast<size_t>(axis); d < stat_shape.size(); ++d) stat_shape[d] = 1;
    Tensor y(DType::F32, x.shape()), mean_out(DType::F32, stat_shape),
        inv_std_out(DType::F32, stat_shape);
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    for (int64_t o = 0; o < outer; ++o) {
        const float* row = src + o * inner;
        // Statistics in double, as ONNX Runtime does, so long rows lose no precision.
        double sum = 0.0;
        for (int64_t i = 0; i < inner; ++i) sum += row[i];
        const double mean = sum / static_cast<double>(inner);
        double sq = 0.0;
        for (int64_t i = 0; i < inner; ++i) sq += (row[i] - mean) * (row[i] - mean);
        const double inv_std = 1.0 / std::sqrt(sq / static_cast<double>(inner) + epsilon);
        for (int64_t i = 0; i < inner; ++i) {
            const size_t k = static_cast<size_t>(i);
            dst[o * inner + i] = static_cast<float>((row[i] - mean) * inv_std) * scale[k] + bias[k];
        }
        mean_out.data<float>()[o] = static_cast<float>(mean);
        inv_std_out.data<float>()[o] = static_cast<float>(inv_std);
    }
    ctx.set_output(0, std::move(y));
    if (ctx.wants_output(1)) ctx.set_output(1, std::move(mean_out));
    if (ctx.wants_output(2)) ctx.set_output(2, std::move(inv_std_out));
}

}  // namespace pot::reference
