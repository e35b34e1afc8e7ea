#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// One resized axis: lengths, the scale (output / input) and the attribute choices.
struct ResizeAxis {
    int64_t in = 1, out = 1;
    float scale = 1.0f;
};

// Position in the input that output position `x` maps to (ONNX coordinate_transformation_mode).
float source_coordinate(const std::string& mode, float x, const ResizeAxis& a) {
    const float in = static_cast<float>(a.in), out = static_cast<float>(a.out);
    if (mode == "half_pixel") return (x + 0.5f) / a.scale - 0.5f;
    if (mode == "pytorch_half_pixel") return a.out > 1 ? (x + 0.5f) / a.scale - 0.5f : 0.0f;
    if (mode == "align_corners") return a.out == 1 ? 0.0f : x * (in - 1.0f) / (out - 1.0f);
    if (mode == "asymmetric") return x / a.scale;
    if (mode == "tf_half_pixel_for_nn") return (x + 0.5f) / a.scale;
    POT_THROW(Runtime, "coordinate_transformation_mode '", mode, "' is not supported");
}

// Input index nearest to `x` (ONNX nearest_mode); "simple" is the opset-10 rule.
int64_t nearest_index(const std::string& mode, float x, const ResizeAxis& a) {
    float r;
    if (mode == "round_prefer_floor")
        r = x == std::floor(x) + 0.5f ? std::floor(x) : std::round(x);
    else if (mode == "round_prefer_ceil")
        r = std::round(x);  // halves round away from zero
    else if (mode == "floor")
        r = std::floor(x);
    else if (mode == "ceil")
        r = std::ceil(x);
    else if (mode == "simple")
        r = a.scale < 1.0f ? std::ceil(x) : std::trunc(x);
    else
        POT_THROW(Runtime, "nearest_mode '", mode, "' is not supported");
    return std::clamp(static_cast<int64_t>(r), int64_t{0}, a.in - 1);
}

// Two neighbouring input indices around `x` and the weight of the second one.
struct LinearTap {
    int64_t lo, hi;
    float weight_hi;
};

LinearTap linear_tap(float x, const ResizeAxis& a) {
    x = std::clamp(x, 0.0f, static_cast<float>(a.in - 1));
    const auto lo = static_cast<int64_t>(std::floor(x));
    return {lo, std::min(lo + 1, a.in - 1), x - static_cast<float>(lo)};
}

}  // namespace

void check_resize(const Node& node, int64_t opset) {
    const std::string mode = node.attr_string("mode", "nearest");
    POT_CHECK(mode == "nearest" || mode == "linear", "Resize mode '", mode,
              "' is not supported; expected nearest or linear");
    const std::string coord = node.attr_string("coordinate_transformation_mode", "half_pixel");
    POT_CHECK(coord == "half_pixel" || coord == "pytorch_half_pixel" || coord == "align_corners" ||
                  coord == "asymmetric" || coord == "tf_half_pixel_for_nn",
              "coordinate_transformation_mode '", coord, "' is not supported");
    const std::string nearest = node.attr_string("nearest_mode", "round_prefer_floor");
    POT_CHECK(nearest == "round_prefer_floor" || nearest == "round_prefer_ceil" ||
                  nearest == "floor" || nearest == "ceil",
              "nearest_mode '", nearest, "' is not supported");
    POT_CHECK(node.attr_int("antialias", 0) == 0, "antialias is not supported");
    POT_CHECK(node.attr_string("keep_aspect_ratio_policy", "stretch") == "stretch",
              "keep_aspect_ratio_policy other than stretch is not supported");
}

void run_resize(NodeContext& ctx) {
    const Node& node = ctx.node();
    ctx.expect_inputs(2, 4);
    const Tensor& x = ctx.float_input(0);
    POT_CHECK(x.rank() == 4, "only 4-D NCHW inputs are supported, got shape ",
              shape_str(x.shape()));
    // Opset 10 has inputs (X, scales) and fixed asymmetric coordinates; 11+ has (X, roi, scales,
    // sizes) where scales may be empty when sizes are given.
    const bool opset10 = ctx.opset() < 11;
    const Tensor* scales = ctx.optional_input(opset10 ? 1 : 2);
    const Tensor* sizes = opset10 ? nullptr : ctx.optional_input(3);
    if (scales && scales->numel() == 0) scales = nullptr;
    POT_CHECK((scales != nullptr) != (sizes != nullptr && sizes->numel() > 0),
              "exactly one of scales and sizes must be given");
    const std::string mode = node.attr_string("mode", "nearest");
    const std::string coord =
        opset10 ? "asymmetric" : node.attr_string("coordinate_transformation_mode", "half_pixel");
    const std::string nearest =
        opset10 ? "simple" : node.attr_string("nearest_mode", "round_prefer_floor");

    ResizeAxis axes[4];
    const auto scale_values = scales ? scales->to_floats() : std::vector<float>{};
    const auto size_values = sizes ? read_ints(*sizes) : std::vector<int64_t>{};
    POT_CHECK(scale_values.empty() || scale_values.size() == 4, "scales must have 4 values, got ",
              scale_values.size());
    POT_CHECK(size_values.empty() || size_values.size() == 4, "sizes must have 4 values, got ",
              size_values.size());
    Shape out_shape;
    for (size_t d = 0; d < 4; ++d) {
        ResizeAxis& a = axes[d];
        a.in = x.shape()[d];
        if (!scale_values.empty()) {
            a.scale = scale_values[d];
            POT_CHECK(a.scale > 0.0f, "scale ", a.scale, " of dim ", d, " must be positive");
            const double out = std::floor(static_cast<double>(a.in) * static_cast<double>(a.scale));
            POT_CHECK(out <= static_cast<double>(std::numeric_limits<int32_t>::max()), "scale ",
                      a.scale, " of dim ", d, " gives an output size of ", out);
            a.out = static_cast<int64_t>(out);
        } else {
            a.out = size_values[d];
            POT_CHECK(a.out >= 0, "size ", a.out, " of dim ", d, " must not be negative");
            a.scale = static_cast<float>(a.out) / static_cast<float>(a.in);
        }
        out_shape.push_back(a.out);
    }
    POT_CHECK(axes[0].out == axes[0].in && axes[1].out == axes[1].in,
              "only H and W can be resized; N and C must keep their size (output shape ",
              shape_str(out_shape), ")");
    const ResizeAxis &ah = axes[2], &aw = axes[3];

    Tensor y(DType::F32, out_shape);
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    const int64_t planes = x.dim(0) * x.dim(1);
    for (int64_t p = 0; p < planes; ++p) {
        const float* in = src + p * ah.in * aw.in;
        float* out = dst + p * ah.out * aw.out;
        for (int64_t oh = 0; oh < ah.out; ++oh) {
            const float sy = source_coordinate(coord, static_cast<float>(oh), ah);
            for (int64_t ow = 0; ow < aw.out; ++ow) {
                const float sx = source_coordinate(coord, static_cast<float>(ow), aw);
                float& v = out[oh * aw.out + ow];
                if (mode == "nearest") {
                    v = in[nearest_index(nearest, sy, ah) * aw.in + nearest_index(nearest, sx, aw)];
                    continue;
                }
                const LinearTap ty = linear_tap(sy, ah), tx = linear_tap(sx, aw);
                const float top = in[ty.lo * aw.in + tx.lo] * (1.0f - tx.weight_hi) +
                                  in[ty.lo * aw.in + tx.hi] * tx.weight_hi;
                const float bottom = in[ty.hi * aw.in + tx.lo] * (1.0f - tx.weight_hi) +
                                     in[ty.hi * aw.in + tx.hi] * tx.weight_hi;
                v = top * (1.0f - ty.weight_hi) + bottom * ty.weight_hi;
            }
        }
    }
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
