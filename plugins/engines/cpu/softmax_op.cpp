#include <numeric>

#include "bands.hpp"
#include "ops.hpp"
#include "team.hpp"

namespace pot::cpu {

// Softmax and LogSoftmax (same axis rules; before opset 13 both coerce the input to 2-D).
bool lower_softmax(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const auto dims = b.dims(x);
    const auto rank = static_cast<int64_t>(dims.size());
    const bool legacy = b.graph().opset < 13;
    int64_t axis = n.attr_int("axis", legacy ? 1 : -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    // Before opset 13 the input is coerced to 2D [outer, inner] around `axis`.
    dnnl::memory::dims run_dims = dims;
    int run_axis = static_cast<int>(axis);
    // Over the last axis it is the same as over rows of [outer, last]: a form the plan's team
    // splits into bands of rows.
    if (legacy || axis == rank - 1) {
        const int64_t outer = std::accumulate(dims.begin(), dims.begin() + axis, int64_t{1}, std::multiplies<>());
        run_dims = {outer, std::accumulate(dims.begin() + axis, dims.end(), int64_t{1}, std::multiplies<>())};
        run_axis = 1;
    }
    const bool log = n.op_type == "LogSoftmax";
    const auto algo = log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
    const auto md = plain_desc(run_dims, dnnl::memory::data_type::f32);
    const auto d = dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference, algo, md, md, run_axis);
    dnnl::softmax_v2_forward::primitive_desc pd;
    try {
        pd = dnnl::softmax_v2_forward::primitive_desc(d, b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    const Rep src = b.rep_as(x, plain_desc(dims, dnnl::memory::data_type::f32));
    b.define(n.outputs[0], plain_desc(dims, dnnl::memory::data_type::f32));
    const dnnl::memory dst = b.view(b.primary(n.outputs[0]), md);
    const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, b.view(src, md)}, {DNNL_ARG_DST, dst}};
    b.add_primitive(n.name, log ? "logsoftmax" : "softmax", pd, dnnl::softmax_v2_forward(pd), args);
    if (run_axis == 1 && run_dims.size() == 2)
        split_dense_rows(b, estimated_serial_ns(b, n), args, {DNNL_ARG_SRC}, DNNL_ARG_DST, {}, false,
                         [&](const dnnl::memory::desc& band_src, const dnnl::memory::desc& band_dst) {
                             dnnl::primitive_attr attr;
                             attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
                             const dnnl::softmax_v2_forward::desc band(dnnl::prop_kind::forward_inference, algo,
                                                                       band_src, band_dst, 1);
                             return std::optional<dnnl::primitive_desc_base>(
                                 dnnl::softmax_v2_forward::primitive_desc(band, attr, b.engine()));
                         });
    return true;
}

}  // namespace pot::cpu
