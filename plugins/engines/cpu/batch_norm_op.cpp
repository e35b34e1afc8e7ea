#include "ops.hpp"
#include "pot/batch_norm.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;

// Followed (through eltwise ops) by a per-tensor FakeQuantize, as in DenseNet's Concat ->
// BatchNormalization -> Relu -> quantize before every bottleneck: one binary primitive multiplies
// by the folded per-channel scale, adds the folded shift as a post-op, applies the eltwise ops and
// writes the codes. That replaces a float normalization plus a separate quantization pass over the
// same tensor. An input held as codes is read as codes, its scale folded in too. `params` are
// scale, bias, mean and variance.
bool lower_to_codes(PlanBuilder& b, const Node& n, const std::vector<Tensor>& params) {
    const std::string& x = n.inputs[0];
    const auto dims = b.dims(x);
    const Fusion fusion = plan_fusion(b, n.outputs[0], dims, true, false);
    if (!fusion.requant) return false;
    const Rep* codes = b.quantized(x);
    const float code_scale = codes ? codes->quant->scale : 1.0f;
    const float code_zero = codes ? static_cast<float>(codes->quant->zero_point) : 0.0f;
    const dnnl::memory src = codes ? codes->mem : b.f32(x);
    const int64_t channels = dims[1];
    const BatchNormAffine bn = batch_norm_affine(params[0].to_floats(), params[1].to_floats(), params[2].to_floats(),
                                               params[3].to_floats(), n.attr_float("epsilon", 1e-5f));
    std::vector<float> scale(static_cast<size_t>(channels)), shift(scale.size());
    for (size_t c = 0; c < scale.size(); ++c) {
        // The affine map applied to x = code_scale * (q - code_zero).
        scale[c] = static_cast<float>(bn.scale[c] * code_scale);
        shift[c] = static_cast<float>(bn.shift[c] - bn.scale[c] * code_scale * code_zero);
    }
    dnnl::memory::dims param_dims(dims.size(), 1);
    param_dims[1] = channels;
    const auto param_md = plain_desc(param_dims, dt::f32);
    dnnl::post_ops po;
    po.append_binary(dnnl::algorithm::binary_add, param_md);
    dnnl::primitive_attr attr;
    apply_fusion(fusion, attr, po);
    const auto src_md = src.get_desc();
    dnnl::binary::primitive_desc pd;
    try {
        const auto d = dnnl::binary::desc(dnnl::algorithm::binary_mul, src_md, param_md,
                                          with_type(src_md, to_dnnl(fusion.requant->dtype)));
        pd = dnnl::binary::primitive_desc(d, attr, b.engine());
    } catch (const dnnl::error&) {
        return false;  // e.g. a requantization with a zero point, which oneDNN's binary does not take
    }
    if (is_reference_impl(pd)) return false;
    const auto param = [&](const std::vector<float>& v) {
        return b.constant_memory(Tensor::from_vector<float>({channels}, v), param_dims, param_md);
    };
    const dnnl::memory scale_mem = param(scale), shift_mem = param(shift);
    const dnnl::memory dst = define_fused_dst(b, fusion, pd.dst_desc());
    b.add_primitive(n.name, str_cat("binary BatchNormalization", fusion_note(b, fusion)), pd, dnnl::binary(pd),
                    {{DNNL_ARG_SRC_0, src},
                     {DNNL_ARG_SRC_1, scale_mem},
                     {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, shift_mem},
                     {DNNL_ARG_DST, dst}});
    return true;
}
}  // namespace

// BatchNormalization in inference mode (constant scale, bias, mean and variance of C values) on
// oneDNN's batch normalization with global statistics, in the source's own memory format. A
// following plain Relu fuses through the primitive's fuse_norm_relu flag (oneDNN 2.x takes no
// post-ops here). Most of these nodes fold into the convolution before them at load; the ones
// left (after a Concat, as in DenseNet's pre-activation blocks) land here.
bool lower_batch_norm(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.inputs.size() != 5 || n.attr_int("training_mode", 0) != 0) return false;
    for (size_t i = 1; i < n.outputs.size(); ++i)
        if (!n.outputs[i].empty()) return false;
    const std::string& x = n.inputs[0];
    const auto dims = b.dims(x);
    if (dims.size() < 2 || dims.size() > 5) return false;
    const int64_t channels = dims[1];
    std::vector<Tensor> params;
    for (size_t i = 1; i < 5; ++i) {
        if (!b.is_constant(n.inputs[i])) return false;
        const Tensor& t = b.constant(n.inputs[i]);
        if (t.numel() != channels) return false;
        params.push_back(Tensor::from_vector<float>({channels}, t.to_floats()));
    }
    if (lower_to_codes(b, n, params)) return true;
    dnnl::memory src = b.f32(x);
    const auto desc = src.get_desc();
    // A sole Relu consumer (alpha 0) fuses; anything longer stays separate.
    Fusion fusion;
    fusion.out_value = n.outputs[0];
    const Fusion next = plan_fusion(b, n.outputs[0], desc.dims(), false, false);
    const bool relu = !next.nodes.empty() && !next.before_sum.empty() &&
                      next.before_sum.front().alg == dnnl::algorithm::eltwise_relu &&
                      next.before_sum.front().alpha == 0.0f && b.node(next.nodes.front()).op_type == "Relu";
    auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                 dnnl::normalization_flags::use_shift;
    if (relu) {
        fusion.nodes = {next.nodes.front()};
        fusion.out_value = b.node(next.nodes.front()).outputs[0];
        flags = flags | dnnl::normalization_flags::fuse_norm_relu;
    }
    dnnl::batch_normalization_forward::primitive_desc pd;
    try {
        const auto d = dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_inference, desc,
                                                               n.attr_float("epsilon", 1e-5f), flags);
        pd = dnnl::batch_normalization_forward::primitive_desc(d, b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;
    const auto param_md = plain_desc({channels}, dt::f32);
    const auto param = [&](size_t i) { return b.constant_memory(params[i], {channels}, param_md); };
    const dnnl::memory dst = define_fused_dst(b, fusion, pd.dst_desc());
    std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src},        {DNNL_ARG_SCALE, param(0)},
                                                  {DNNL_ARG_SHIFT, param(1)}, {DNNL_ARG_MEAN, param(2)},
                                                  {DNNL_ARG_VARIANCE, param(3)}, {DNNL_ARG_DST, dst}};
    // Training-only output of fuse_norm_relu: its workspace, asked for by some implementations.
    if (relu && pd.workspace_desc().get_size() != 0)
        args[DNNL_ARG_WORKSPACE] = b.scratch(pd.workspace_desc());
    b.add_primitive(n.name, str_cat("batch_normalization", fusion_note(b, fusion)), pd,
                    dnnl::batch_normalization_forward(pd), args);
    return true;
}

}  // namespace pot::cpu
