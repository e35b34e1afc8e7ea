#include <algorithm>
#include <cstring>

#include "ops.hpp"

namespace pot::cpu {

Fusion plan_fusion(const PlanBuilder& b, const std::string& produced,
                   const dnnl::memory::dims& dst_dims, bool allow_requant, bool allow_sum) {
    Fusion f;
    f.out_value = produced;
    for (;;) {
        const auto next = b.sole_consumer(f.out_value);
        if (!next) break;
        const Node& n = b.node(*next);
        if (n.inputs.empty() || n.outputs.size() != 1) break;
        if (auto ops = eltwise_ops(b, n); ops && n.inputs[0] == f.out_value) {
            auto& dst = f.sum_value ? f.after_sum : f.before_sum;
            dst.insert(dst.end(), ops->begin(), ops->end());
        } else if (allow_sum && n.op_type == "Add" && n.domain.empty() && !f.sum_value && n.inputs.size() == 2) {
            const std::string& other = n.inputs[0] == f.out_value ? n.inputs[1] : n.inputs[0];
            if (other == f.out_value || b.is_constant(other) || !b.has_value(other) ||
                b.dims(other) != dst_dims)
                break;
            f.sum_value = other;
        } else {
            break;
        }
        f.nodes.push_back(*next);
        f.out_value = n.outputs[0];
    }
    if (allow_requant && !f.sum_value) {
        if (const auto next = b.sole_consumer(f.out_value)) {
            const Node& n = b.node(*next);
            if (is_fake_quantize(n) && n.inputs[0] == f.out_value) {
                if (auto q = activation_quant(b.graph(), n, static_cast<int64_t>(dst_dims.size()), cpu_u8_exact())) {
                    f.requant = q;
                    f.nodes.push_back(*next);
                    f.out_value = n.outputs.at(0);
                }
            }
        }
    }
    return f;
}

void apply_fusion(const Fusion& f, dnnl::primitive_attr& attr, dnnl::post_ops po) {
    for (const auto& op : f.before_sum) po.append_eltwise(1.0f, op.alg, op.alpha, op.beta);
    if (f.sum_value) po.append_sum(1.0f);
    for (const auto& op : f.after_sum) po.append_eltwise(1.0f, op.alg, op.alpha, op.beta);
    if (f.requant) {
        const auto& q = *f.requant;
        po.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, 1.0f / q.scale, 0.0f);
        // Narrow code ranges clamp before the zero point is added; full ranges saturate.
        if (!q.full_range())
            po.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip,
                              static_cast<float>(q.q_min - q.zero_point),
                              static_cast<float>(q.q_max - q.zero_point));
        if (q.zero_point != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {q.zero_point});
    }
    attr.set_post_ops(po);
}

dnnl::memory define_fused_dst(PlanBuilder& b, const Fusion& f, const dnnl::memory::desc& desc) {
    for (size_t n : f.nodes) b.fuse(n);
    if (!f.sum_value) return b.define(f.out_value, desc, f.requant);
    const std::string& residual = *f.sum_value;
    const Rep* reuse = nullptr;
    if (b.last_use(residual))
        for (const Rep* rep : {&b.primary(residual)})
            if (rep->mem.get_desc() == desc && rep->buffer >= 0 && !rep->quant) reuse = rep;
    if (reuse) return b.alias(f.out_value, *reuse, desc);
    dnnl::memory src = b.as(residual, desc);
    dnnl::memory dst = b.define(f.out_value, desc);
    auto pd = dnnl::reorder::primitive_desc(b.engine(), desc, b.engine(), desc);
    b.add_primitive("", "reorder", pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
    return dst;
}

std::string fusion_note(const PlanBuilder& b, const Fusion& f) {
    std::string out;
    for (size_t n : f.nodes) {
        const Node& node = b.node(n);
        const bool bias = node.op_type == "Add" && std::any_of(node.inputs.begin(), node.inputs.end(),
                                                               [&](const std::string& in) { return b.is_constant(in); });
        out += str_cat(" +", is_fake_quantize(node) ? "requantize" : bias ? "bias" : node.op_type == "Add" ? "sum" : node.op_type);
    }
    return out;
}

std::vector<float> set_output_scales(dnnl::primitive_attr& attr, int64_t channels, float alpha,
                                     const ActQuant& source, const WeightQuant* weights) {
    std::vector<float> scales(static_cast<size_t>(channels), alpha);
    if (!weights) return scales;
    for (size_t c = 0; c < scales.size(); ++c) scales[c] *= source.scale * weights->scale[c];
    attr.set_output_scales(1 << 1, scales);
    if (source.zero_point != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    return scales;
}

void bias_to_accumulator_units(Tensor& bias, const std::vector<float>& output_scales) {
    POT_CHECK_KIND(Input, bias.numel() == static_cast<int64_t>(output_scales.size()), "bias of shape ",
                   shape_str(bias.shape()), " does not hold one value per output channel (",
                   output_scales.size(), ")");
    float* b = bias.data<float>();
    for (size_t c = 0; c < output_scales.size(); ++c) b[c] /= output_scales[c];
}

dnnl::memory zero_point_memory(const PlanBuilder& b, int32_t zero_point) {
    dnnl::memory mem(dnnl::memory::desc({1}, dnnl::memory::data_type::s32, dnnl::memory::format_tag::x),
                     b.engine());
    std::memcpy(mem.get_data_handle(), &zero_point, sizeof zero_point);
    return mem;
}

bool halves_weights(const dnnl::memory::desc& weights) {
    const auto& extra = weights.data.extra;
    return (extra.flags & dnnl_memory_extra_flag_scale_adjust) != 0 && extra.scale_adjust == 0.5f;
}

bool fits_doubled(const Tensor& codes) {
    const int8_t* c = codes.data<int8_t>();
    return std::all_of(c, c + codes.numel(), [](int8_t v) { return v >= -63 && v <= 63; });
}

Tensor doubled(const Tensor& codes) {
    Tensor out = codes;
    int8_t* c = out.data<int8_t>();
    for (int64_t i = 0; i < out.numel(); ++i) c[i] = static_cast<int8_t>(2 * c[i]);
    return out;
}

bool is_reference_impl(const dnnl::primitive_desc_base& pd) {
    return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

dnnl::memory::dims to_dims(const std::vector<int64_t>& values) {
    return dnnl::memory::dims(values.begin(), values.end());
}

}  // namespace pot::cpu
