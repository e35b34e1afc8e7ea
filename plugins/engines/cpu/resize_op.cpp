#include <cmath>

#include "ops.hpp"

namespace pot::cpu {

// Resize in its most common exported form, bilinear with half-pixel centres (torchvision's
// interpolate(mode="bilinear", align_corners=False), segmentation heads), on oneDNN's linear
// resampling, which maps output x to input (x + 0.5) * in / out - 0.5 and clamps at the edges as
// ONNX does. Other modes and coordinate rules stay on the reference kernel.
bool lower_resize(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (b.graph().opset < 11 || n.inputs.empty()) return false;
    const std::string coord = n.attr_string("coordinate_transformation_mode", "half_pixel");
    if (n.attr_string("mode", "nearest") != "linear" ||
        (coord != "half_pixel" && coord != "pytorch_half_pixel") || n.attr_int("antialias", 0) != 0 ||
        n.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch" || n.has_attr("axes"))
        return false;
    const std::string& x = n.inputs[0];
    const auto in = b.dims(x);
    if (in.size() < 3 || in.size() > 5) return false;
    // Inputs (X, roi, scales, sizes): exactly one of scales and sizes, a constant.
    const auto given = [&](size_t i) -> const Tensor* {
        if (n.inputs.size() <= i || n.inputs[i].empty() || !b.is_constant(n.inputs[i])) return nullptr;
        const Tensor& t = b.constant(n.inputs[i]);
        return t.numel() > 0 ? &t : nullptr;
    };
    const Tensor* scales = given(2);
    const Tensor* sizes = given(3);
    if ((scales != nullptr) == (sizes != nullptr)) return false;
    const size_t rank = in.size();
    const auto scale_values = scales ? scales->to_floats() : std::vector<float>{};
    const auto size_values = sizes ? sizes->to_ints() : std::vector<int64_t>{};
    if ((scales && scale_values.size() != rank) || (sizes && size_values.size() != rank)) return false;
    dnnl::memory::dims out = in;
    std::vector<float> factors;
    for (size_t d = 0; d < rank; ++d) {
        float factor = 1.0f;
        if (scales) {
            factor = scale_values[d];
            if (!(factor > 0.0f) || !std::isfinite(factor)) return false;
            const double length = std::floor(static_cast<double>(in[d]) * factor);
            if (length < 1.0 || length > 1e9) return false;
            out[d] = static_cast<int64_t>(length);
            // oneDNN maps coordinates with out / in; ONNX with the given scale. They agree only
            // when the scale gives a whole length (2x, 0.5x of an even length, ...).
            const double ratio = static_cast<double>(out[d]) / static_cast<double>(in[d]);
            if (std::fabs(ratio - factor) > 1e-6 * factor) return false;
        } else {
            if (size_values[d] < 1) return false;
            out[d] = size_values[d];
            factor = static_cast<float>(out[d]) / static_cast<float>(in[d]);
        }
        if (d < 2) {
            // Batch and channels are never resampled.
            if (out[d] != in[d]) return false;
            continue;
        }
        // pytorch_half_pixel maps a length-1 output to the input's first element instead.
        if (coord == "pytorch_half_pixel" && out[d] == 1) return false;
        factors.push_back(factor);
    }
    const auto type = dnnl::memory::data_type::f32;
    const dnnl::memory src = b.f32(x);
    dnnl::resampling_forward::primitive_desc pd;
    try {
        const dnnl::memory::desc dst_any(out, type, dnnl::memory::format_tag::any);
        pd = dnnl::resampling_forward::primitive_desc(
            dnnl::resampling_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::resampling_linear,
                                           factors, src.get_desc(), dst_any),
            b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;
    const dnnl::memory dst = b.define(n.outputs.at(0), pd.dst_desc());
    b.add_primitive(n.name, "resampling", pd, dnnl::resampling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    return true;
}

}  // namespace pot::cpu
