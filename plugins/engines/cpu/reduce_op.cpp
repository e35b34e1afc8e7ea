// ReduceMean / ReduceSum / ReduceMax / ReduceMin (float) on oneDNN's reduction primitive: the
// reduced axes become 1 in the primitive's destination, which keepdims = 0 then views without
// them (same bytes).
#include <map>
#include <set>

#include "ops.hpp"

namespace pot::cpu {

bool lower_reduce(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    static const std::map<std::string, dnnl::algorithm> kAlgorithms = {
        {"ReduceMean", dnnl::algorithm::reduction_mean},
        {"ReduceSum", dnnl::algorithm::reduction_sum},
        {"ReduceMax", dnnl::algorithm::reduction_max},
        {"ReduceMin", dnnl::algorithm::reduction_min}};
    const auto algorithm = kAlgorithms.find(n.op_type);
    if (algorithm == kAlgorithms.end()) return false;
    const std::string& x = n.inputs.at(0);
    const auto dims = b.dims(x);
    const auto rank = static_cast<int64_t>(dims.size());
    if (rank == 0) return false;
    // Axes: an attribute until ReduceSum's opset 13 and the others' opset 18, an input since.
    const bool axes_input = b.graph().opset >= (n.op_type == "ReduceSum" ? 13 : 18);
    std::vector<int64_t> axes;
    if (axes_input) {
        if (n.inputs.size() > 1 && !n.inputs[1].empty()) {
            if (!b.is_constant(n.inputs[1])) return false;
            axes = b.constant(n.inputs[1]).to_ints();
        }
    } else {
        axes = n.attr_ints("axes", {});
    }
    if (axes.empty()) {
        if (n.attr_int("noop_with_empty_axes", 0) != 0) return false;  // the reference's identity
        for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
    }
    std::set<int64_t> reduced;
    for (int64_t axis : axes) {
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) return false;
        reduced.insert(axis);
    }
    const bool keepdims = n.attr_int("keepdims", 1) != 0;
    // The mean or maximum over the spatial axes of an image is global pooling: oneDNN's pooling
    // reads the producer's blocked layout at memory speed, where its reduction took 0.37 ms for
    // 1280 x 7 x 7 (MNASNet's head, x.mean([2, 3])).
    if (rank == 4 && reduced == std::set<int64_t>{2, 3} && (n.op_type == "ReduceMean" || n.op_type == "ReduceMax") &&
        lower_pool_as(b, index, n.op_type == "ReduceMean" ? "GlobalAveragePool" : "GlobalMaxPool", !keepdims))
        return true;
    dnnl::memory::dims kept = dims, out_dims;
    for (int64_t a = 0; a < rank; ++a) {
        if (reduced.count(a)) kept[static_cast<size_t>(a)] = 1;
        if (keepdims || !reduced.count(a)) out_dims.push_back(kept[static_cast<size_t>(a)]);
    }
    if (out_dims.empty()) return false;  // a scalar result: the reference kernel makes it
    const auto src_md = plain_desc(dims, dnnl::memory::data_type::f32);
    const auto dst_md = plain_desc(kept, dnnl::memory::data_type::f32);
    dnnl::reduction::primitive_desc pd;
    try {
        pd = dnnl::reduction::primitive_desc(dnnl::reduction::desc(algorithm->second, src_md, dst_md, 0.0f, 0.0f),
                                             b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;
    const dnnl::memory src = b.as(x, src_md);
    b.define(n.outputs[0], plain_desc(out_dims, dnnl::memory::data_type::f32));
    b.add_primitive(n.name, "reduction", pd, dnnl::reduction(pd),
                    {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, b.view(b.primary(n.outputs[0]), dst_md)}});
    return true;
}

}  // namespace pot::cpu
