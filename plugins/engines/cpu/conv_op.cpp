#include "ops.hpp"

#include <algorithm>

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct ConvGeometry {
    dnnl::memory::dims strides, dilates, pad_begin, pad_end, dst;
};

ConvGeometry conv_geometry(const Node& n, const dnnl::memory::dims& src, const Shape& weights) {
    const size_t spatial = src.size() - 2;
    ConvGeometry g;
    const auto strides = n.attr_ints("strides", std::vector<int64_t>(spatial, 1));
    const auto dilations = n.attr_ints("dilations", std::vector<int64_t>(spatial, 1));
    auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * spatial, 0));
    if (pads.empty()) pads.assign(2 * spatial, 0);
    const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
    POT_CHECK(strides.size() == spatial && dilations.size() == spatial && pads.size() == 2 * spatial,
              n.describe(), ": strides, dilations and pads must match ", spatial, " spatial dims");
    g.dst = {src[0], weights[0]};
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t in = src[2 + i], k = weights[2 + i];
        const int64_t extent = (k - 1) * dilations[i] + 1;
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            const int64_t out = (in + strides[i] - 1) / strides[i];
            const int64_t total = std::max<int64_t>((out - 1) * strides[i] + extent - in, 0);
            pads[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            pads[i + spatial] = total - pads[i];
        } else if (auto_pad == "VALID") {
            pads[i] = pads[i + spatial] = 0;
        }
        g.strides.push_back(strides[i]);
        g.dilates.push_back(dilations[i] - 1);
        g.pad_begin.push_back(pads[i]);
        g.pad_end.push_back(pads[i + spatial]);
        g.dst.push_back((in + pads[i] + pads[i + spatial] - extent) / strides[i] + 1);
    }
    return g;
}

// The FakeQuantize producing a constant weight value, if any.
const Node* weight_fake_quantize(const PlanBuilder& b, const std::string& weights) {
    const auto producer = b.graph().producer(weights);
    if (!producer) return nullptr;
    const Node& fq = b.node(*producer);
    if (!is_fake_quantize(fq) || !b.is_constant(fq.inputs[0])) return nullptr;
    return &fq;
}
}  // namespace

bool lower_conv(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const std::string& w = n.inputs.at(1);
    const std::string bias = n.inputs.size() > 2 ? n.inputs[2] : "";
    if (!b.is_constant(w) || (!bias.empty() && !b.is_constant(bias))) return false;
    const auto src_dims = b.dims(x);
    const Shape w_shape = b.constant(w).shape();
    if (src_dims.size() < 3 || src_dims.size() > 5 || w_shape.size() != src_dims.size()) return false;
    const int64_t groups = n.attr_int("group", 1);
    const int64_t out_channels = w_shape[0];
    if (groups < 1 || src_dims[1] != w_shape[1] * groups || out_channels % groups != 0) return false;

    const Rep* xq_rep = b.quantized(x);
    // A copy: the value's list of forms grows below.
    const std::optional<ActQuant> xq = xq_rep ? xq_rep->quant : std::nullopt;
    std::optional<WeightQuant> wq;
    if (xq)
        if (const Node* fq = weight_fake_quantize(b, w))
            wq = weight_quant(b.graph(), *fq, b.constant(fq->inputs[0]), 0);
    const bool int8 = xq && wq;
    const ActQuant src_q = int8 ? *xq : ActQuant{};

    const ConvGeometry g = conv_geometry(n, src_dims, w_shape);
    dnnl::memory::dims w_dims(w_shape.begin(), w_shape.end());
    if (groups > 1) {
        w_dims[0] /= groups;
        w_dims.insert(w_dims.begin(), groups);
    }
    const Fusion fusion = plan_fusion(b, n.outputs[0], g.dst, int8, true);
    const dt src_type = int8 ? to_dnnl(src_q.dtype) : dt::f32;
    const dt dst_type = fusion.requant ? to_dnnl(fusion.requant->dtype) : dt::f32;
    const dnnl::memory::desc src_md(src_dims, src_type, tag::any);
    const dnnl::memory::desc w_md(w_dims, int8 ? dt::s8 : dt::f32, tag::any);
    const dnnl::memory::desc bias_md({out_channels}, dt::f32, tag::x);
    const dnnl::memory::desc dst_md(g.dst, dst_type, tag::any);
    const auto d = bias.empty()
                       ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                         dnnl::algorithm::convolution_direct, src_md, w_md,
                                                         dst_md, g.strides, g.dilates, g.pad_begin, g.pad_end)
                       : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                         dnnl::algorithm::convolution_direct, src_md, w_md,
                                                         bias_md, dst_md, g.strides, g.dilates, g.pad_begin,
                                                         g.pad_end);
    // alpha scales the accumulator on top of source x weight scales (see halves_weights()).
    const auto make_pd = [&](float alpha, std::vector<float>& acc_scale) {
        dnnl::primitive_attr attr;
        acc_scale = set_output_scales(attr, out_channels, alpha, src_q, int8 ? &*wq : nullptr);
        apply_fusion(fusion, attr);
        return dnnl::convolution_forward::primitive_desc(d, attr, b.engine());
    };
    std::vector<float> acc_scale;
    dnnl::convolution_forward::primitive_desc pd;
    bool doubled_weights = false;
    try {
        pd = make_pd(1.0f, acc_scale);
        if (int8 && halves_weights(pd.weights_desc()) && fits_doubled(wq->codes)) {
            pd = make_pd(0.5f, acc_scale);
            doubled_weights = true;
        }
    } catch (const dnnl::error&) {
        return false;
    }

    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = b.as(x, pd.src_desc());
    const Tensor weights = doubled_weights ? doubled(wq->codes) : int8 ? wq->codes : b.constant(w).cast(DType::F32);
    args[DNNL_ARG_WEIGHTS] = b.constant_memory(weights, w_dims, pd.weights_desc());
    if (!bias.empty()) {
        Tensor bias_t = b.constant(bias).cast(DType::F32);
        if (int8) bias_to_accumulator_units(bias_t, acc_scale);
        args[DNNL_ARG_BIAS] = b.constant_memory(bias_t, {out_channels}, pd.bias_desc());
    }
    if (int8 && src_q.zero_point != 0)
        args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_memory(b, src_q.zero_point);
    args[DNNL_ARG_DST] = define_fused_dst(b, fusion, pd.dst_desc());
    b.add_primitive(n.name, "convolution" + fusion_note(b, fusion), pd, dnnl::convolution_forward(pd),
                    std::move(args));
    return true;
}

}  // namespace pot::cpu
