#include "ops.hpp"

namespace pot::cpu {

bool lower_concat(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const auto rank = static_cast<int64_t>(b.dims(n.inputs.at(0)).size());
    int64_t axis = n.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    // Codes stay codes when every input shares one encoding (the quantizer unifies them).
    std::optional<ActQuant> quant;
    bool all_quantized = true;
    for (const auto& in : n.inputs) {
        const Rep* q = b.is_constant(in) ? nullptr : b.quantized(in);
        if (!q || (quant && !(*quant == *q->quant))) {
            all_quantized = false;
            break;
        }
        quant = q->quant;
    }
    if (!all_quantized) quant.reset();
    std::vector<dnnl::memory> srcs;
    std::vector<dnnl::memory::desc> mds;
    for (const auto& in : n.inputs) {
        if (b.dims(in).size() != static_cast<size_t>(rank)) return false;
        srcs.push_back(quant ? b.quantized(in)->mem : b.f32(in));
        mds.push_back(srcs.back().get_desc());
    }
    dnnl::concat::primitive_desc pd;
    try {
        pd = dnnl::concat::primitive_desc(static_cast<int>(axis), mds, b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    std::unordered_map<int, dnnl::memory> args;
    for (size_t i = 0; i < srcs.size(); ++i) args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = srcs[i];
    args[DNNL_ARG_DST] = b.define(n.outputs[0], pd.dst_desc(), quant);
    b.add_primitive(n.name, "concat", pd, dnnl::concat(pd), std::move(args));
    return true;
}

}  // namespace pot::cpu
