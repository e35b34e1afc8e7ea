#include <numeric>

#include "bands.hpp"
#include "ops.hpp"
#include "team.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;

/// `t` (broadcast to `inner` values, numpy-style from the last dimension) as a [inner] f32 tensor.
std::optional<Tensor> per_element(const Tensor& t, int64_t inner) {
    const auto values = t.to_floats();
    if (values.empty() || (static_cast<int64_t>(values.size()) != inner && values.size() != 1)) return std::nullopt;
    std::vector<float> out(static_cast<size_t>(inner));
    for (size_t i = 0; i < out.size(); ++i) out[i] = values[values.size() == 1 ? 0 : i];
    return Tensor::from_vector<float>({inner}, out);
}
}  // namespace

bool lower_layer_norm(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.inputs.size() < 2 || !b.is_constant(n.inputs[1])) return false;
    if (n.inputs.size() > 2 && !n.inputs[2].empty() && !b.is_constant(n.inputs[2])) return false;
    // Mean and inverse standard deviation outputs are not computed here.
    for (size_t i = 1; i < n.outputs.size(); ++i)
        if (!n.outputs[i].empty()) return false;
    const std::string& x = n.inputs[0];
    const auto dims = b.dims(x);
    const auto rank = static_cast<int64_t>(dims.size());
    int64_t axis = n.attr_int("axis", -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    // oneDNN normalizes over the last dimension: [outer, inner] around `axis`.
    const int64_t outer = std::accumulate(dims.begin(), dims.begin() + axis, int64_t{1}, std::multiplies<>());
    const int64_t inner = std::accumulate(dims.begin() + axis, dims.end(), int64_t{1}, std::multiplies<>());
    const auto scale = per_element(b.constant(n.inputs[1]), inner);
    const auto shift = n.inputs.size() > 2 && !n.inputs[2].empty()
                           ? per_element(b.constant(n.inputs[2]), inner)
                           : std::optional<Tensor>(Tensor(DType::F32, {inner}));
    if (!scale || !shift) return false;
    const auto md = plain_desc({outer, inner}, dt::f32);
    const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    dnnl::layer_normalization_forward::primitive_desc pd;
    try {
        const auto d = dnnl::layer_normalization_forward::desc(dnnl::prop_kind::forward_inference, md,
                                                               n.attr_float("epsilon", 1e-5f), flags);
        pd = dnnl::layer_normalization_forward::primitive_desc(d, b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;
    const auto param_md = plain_desc({inner}, dt::f32);
    const Rep src = b.rep_as(x, plain_desc(dims, dt::f32));
    b.define(n.outputs[0], plain_desc(dims, dt::f32));
    const dnnl::memory dst = b.view(b.primary(n.outputs[0]), md);
    const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, b.view(src, md)},
                                                     {DNNL_ARG_SCALE, b.constant_memory(*scale, {inner}, param_md)},
                                                     {DNNL_ARG_SHIFT, b.constant_memory(*shift, {inner}, param_md)},
                                                     {DNNL_ARG_DST, dst}};
    b.add_primitive(n.name, "layer_normalization", pd, dnnl::layer_normalization_forward(pd), args);
    split_dense_rows(b, estimated_serial_ns(b, n), args, {DNNL_ARG_SRC}, DNNL_ARG_DST, {DNNL_ARG_SCALE, DNNL_ARG_SHIFT},
                     false, [&](const dnnl::memory::desc& band_src, const dnnl::memory::desc&) {
                         dnnl::primitive_attr attr;
                         attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
                         const dnnl::layer_normalization_forward::desc band(dnnl::prop_kind::forward_inference, band_src,
                                                                            n.attr_float("epsilon", 1e-5f), flags);
                         return std::optional<dnnl::primitive_desc_base>(
                             dnnl::layer_normalization_forward::primitive_desc(band, attr, b.engine()));
                     });
    return true;
}

}  // namespace pot::cpu
