#include "ops.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;
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
