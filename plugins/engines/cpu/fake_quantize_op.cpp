#include "ops.hpp"

namespace pot::cpu {

bool lower_fake_quantize(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const auto q = activation_quant(b.graph(), n, static_cast<int64_t>(b.dims(x).size()), cpu_u8_exact());
    if (!q) return false;  // per-channel or non-affine: simulated in f32 by the fallback
    const Rep* xq = b.quantized(x);
    if (xq && *xq->quant == *q) {
        // Already these codes (e.g. after a max pool): the op is the identity.
        b.alias(n.outputs[0], *xq, xq->mem.get_desc());
        return true;
    }
    const dnnl::memory src = b.f32(x);
    const dnnl::memory dst = b.define(n.outputs[0], with_type(src.get_desc(), to_dnnl(q->dtype)), q);
    b.emit_convert(Rep{src, std::nullopt, -1}, dst, q);
    b.add_step(Step{n.name, "fake_quantize", str_cat("f32->", dtype_name(q->dtype)), [](RunContext&) {}}, /*light=*/true);
    return true;
}

}  // namespace pot::cpu
