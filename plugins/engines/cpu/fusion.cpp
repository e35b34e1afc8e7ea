#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "ops.hpp"

namespace pot::cpu {

namespace {

using alg = dnnl::algorithm;

// One post-op of a fused chain, in the real-valued units of the graph: an eltwise operation, or
// (sum) the dst buffer's previous contents, less zero_point, times alpha.
struct PostOp {
    bool sum = false;
    alg kind = alg::undef;
    float alpha = 0.0f, beta = 0.0f;
    int32_t zero_point = 0;
    dnnl::memory::data_type sum_type = dnnl::memory::data_type::undef;
};

PostOp eltwise(alg kind, float alpha, float beta) { return PostOp{false, kind, alpha, beta, 0, {}}; }

// The chain `f` computes after the op's own result, in order.
std::vector<PostOp> chain_of(const Fusion& f) {
    std::vector<PostOp> ops;
    for (const auto& op : f.before_sum) ops.push_back(eltwise(op.alg, op.alpha, op.beta));
    if (f.pre_sum) {
        // The QDQ graph rounds the op's result to its own grid before the Add: real -> codes
        // (less the zero point, saturated as the codes would be) -> real again; then the
        // residual's codes join at their scale, as the separate Add would compute it.
        const ActQuant& a = *f.pre_sum;
        ops.push_back(eltwise(alg::eltwise_linear, 1.0f / a.scale, 0.0f));
        ops.push_back(eltwise(alg::eltwise_round, 0.0f, 0.0f));
        ops.push_back(eltwise(alg::eltwise_clip, static_cast<float>(a.q_min - a.zero_point),
                              static_cast<float>(a.q_max - a.zero_point)));
        ops.push_back(eltwise(alg::eltwise_linear, a.scale, 0.0f));
        const ActQuant& r = *f.sum_codes;
        ops.push_back(PostOp{true, alg::undef, r.scale, 0.0f, r.zero_point, to_dnnl(r.dtype)});
    } else if (f.sum_value) {
        ops.push_back(PostOp{true, alg::undef, 1.0f, 0.0f, 0, dnnl::memory::data_type::undef});
    }
    for (const auto& op : f.after_sum) ops.push_back(eltwise(op.alg, op.alpha, op.beta));
    if (f.requant) {
        const auto& q = *f.requant;
        ops.push_back(eltwise(alg::eltwise_linear, 1.0f / q.scale, 0.0f));
        // Narrow code ranges clamp before the zero point is added; full ranges saturate.
        if (!q.full_range())
            ops.push_back(eltwise(alg::eltwise_clip, static_cast<float>(q.q_min - q.zero_point),
                                  static_cast<float>(q.q_max - q.zero_point)));
    }
    return ops;
}

bool is_linear(const PostOp& p) { return !p.sum && p.kind == alg::eltwise_linear; }

// A clip bound times a positive factor; the "no bound" sentinels stay as they are.
float scaled_bound(float bound, float factor) {
    const float max = std::numeric_limits<float>::max();
    return bound <= -max || bound >= max ? bound : bound * factor;
}

// The same computation with fewer linear steps: a linear step moves ahead of a sum (whose scale
// takes its factor), and a positive scale ahead of a clip (scaling its bounds) or a Relu, and
// neighbouring linear steps merge. Requantizations become one scale after the last rounding.
void canonicalize(std::vector<PostOp>& ops) {
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 1; i < ops.size() && !changed; ++i) {
            PostOp& prev = ops[i - 1];
            const PostOp cur = ops[i];
            if (!is_linear(cur)) continue;
            if (is_linear(prev)) {
                prev = eltwise(alg::eltwise_linear, cur.alpha * prev.alpha, cur.alpha * prev.beta + cur.beta);
                ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i));
                changed = true;
            } else if (prev.sum && cur.alpha != 0.0f) {
                PostOp sum = prev;
                sum.alpha *= cur.alpha;
                ops[i - 1] = cur;
                ops[i] = sum;
                changed = true;
            } else if (cur.beta == 0.0f && cur.alpha > 0.0f &&
                       (prev.kind == alg::eltwise_clip || (prev.kind == alg::eltwise_relu && prev.alpha == 0.0f))) {
                PostOp moved = prev;
                moved.alpha = prev.kind == alg::eltwise_clip ? scaled_bound(prev.alpha, cur.alpha) : prev.alpha;
                moved.beta = prev.kind == alg::eltwise_clip ? scaled_bound(prev.beta, cur.alpha) : prev.beta;
                ops[i - 1] = cur;
                ops[i] = moved;
                changed = true;
            }
        }
    }
}

// oneDNN 2.x's jit kernels keep one set of parameters per eltwise algorithm in a post-op chain:
// a second linear (or clip) step would silently run with the first one's. Such a step takes an
// equivalent algorithm of its own (a scale as pow(x, 1) times alpha, a clip as clip_v2), or the
// chain cannot be expressed (nullopt).
std::optional<dnnl::post_ops> encode(const std::vector<PostOp>& ops, dnnl::post_ops po = dnnl::post_ops()) {
    std::vector<std::pair<alg, std::pair<float, float>>> used;
    const auto fits = [&](alg kind, float alpha, float beta) {
        for (const auto& [k, params] : used)
            if (k == kind) return params == std::pair{alpha, beta};
        return true;
    };
    for (const PostOp& op : ops) {
        if (op.sum) {
            if (op.zero_point == 0 && op.sum_type == dnnl::memory::data_type::undef) po.append_sum(op.alpha);
            else po.append_sum(op.alpha, op.zero_point, op.sum_type);
            continue;
        }
        alg kind = op.kind;
        float alpha = op.alpha, beta = op.beta;
        if (!fits(kind, alpha, beta)) {
            if (kind == alg::eltwise_linear && beta == 0.0f && fits(alg::eltwise_pow, alpha, 1.0f)) {
                kind = alg::eltwise_pow;
                beta = 1.0f;
            } else if (kind == alg::eltwise_clip && fits(alg::eltwise_clip_v2, alpha, beta)) {
                kind = alg::eltwise_clip_v2;
            } else {
                return std::nullopt;
            }
        }
        used.push_back({kind, {alpha, beta}});
        po.append_eltwise(1.0f, kind, alpha, beta);
    }
    return po;
}

bool expressible(const Fusion& f) {
    auto ops = chain_of(f);
    canonicalize(ops);
    return encode(ops).has_value();
}

// A plain (strided, unblocked) layout: the one an INT8 residual sum can take as its dst.
bool plain_layout(const dnnl::memory::desc& desc) {
    return desc.data.format_kind == dnnl_blocked && desc.data.format_desc.blocking.inner_nblks == 0;
}

// Extends `f`, which ends in a requantization (the op's result rounded to a grid), through
// Add(that, residual codes) -> activations -> FakeQuantize: the requantization becomes pre_sum,
// the residual a sum post-op read from the dst buffer (its last use: the result overwrites it).
void extend_int8_sum(const PlanBuilder& b, Fusion& f, const dnnl::memory::dims& dst_dims) {
    const auto add = b.sole_consumer(f.out_value);
    if (!add) return;
    const Node& n = b.node(*add);
    if (n.op_type != "Add" || !n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1) return;
    const std::string& other = n.inputs[0] == f.out_value ? n.inputs[1] : n.inputs[0];
    if (other == f.out_value || b.is_constant(other) || !b.has_value(other) || b.dims(other) != dst_dims ||
        !b.last_use(other))
        return;
    // A plain form of its codes in a plan buffer, channels innermost if it has one (what the
    // integer convolutions read and write).
    const Rep* codes = nullptr;
    for (const Rep* form : b.quantized_forms(other)) {
        const auto desc = form->mem.get_desc();
        if (form->buffer < 0 || !plain_layout(desc)) continue;
        const bool channels_last = desc.data.ndims > 2 && desc.data.format_desc.blocking.strides[1] == 1;
        if (!codes || channels_last) codes = form;
        if (channels_last) break;
    }
    if (!codes) return;
    Fusion g = f;
    g.nodes.push_back(*add);
    g.out_value = n.outputs[0];
    for (;;) {
        const auto next = b.sole_consumer(g.out_value);
        if (!next) return;
        const Node& e = b.node(*next);
        if (e.inputs.empty() || e.outputs.size() != 1 || e.inputs[0] != g.out_value) return;
        if (auto ops = eltwise_ops(b, e)) {
            g.after_sum.insert(g.after_sum.end(), ops->begin(), ops->end());
        } else if (is_fake_quantize(e)) {
            // The sum's result must leave as codes: dst and residual share one byte-sized buffer.
            auto q = activation_quant(b.graph(), e, static_cast<int64_t>(dst_dims.size()), cpu_u8_exact());
            if (!q) return;
            g.pre_sum = f.requant;
            g.requant = q;
            g.sum_value = other;
            g.sum_codes = codes->quant;
            g.sum_codes_desc = codes->mem.get_desc();
            g.nodes.push_back(*next);
            g.out_value = e.outputs.at(0);
            if (expressible(g)) f = std::move(g);
            return;
        } else {
            return;
        }
        g.nodes.push_back(*next);
        g.out_value = e.outputs[0];
    }
}

}  // namespace

dnnl::memory::desc int8_sum_dst_desc(const Fusion& f, dnnl::memory::data_type type) {
    if (!f.sum_codes) return {};
    const dnnl::memory::desc& codes = f.sum_codes_desc;
    const auto& strides = codes.data.format_desc.blocking.strides;
    return dnnl::memory::desc(codes.dims(), type, dnnl::memory::dims(strides, strides + codes.data.ndims));
}

Fusion plan_fusion(const PlanBuilder& b, const std::string& produced,
                   const dnnl::memory::dims& dst_dims, bool allow_requant, bool allow_sum, bool allow_int8_sum) {
    Fusion f;
    f.out_value = produced;
    for (;;) {
        const auto next = b.sole_consumer(f.out_value);
        if (!next) break;
        const Node& n = b.node(*next);
        if (n.inputs.empty() || n.outputs.size() != 1) break;
        if (auto ops = eltwise_ops(b, n); ops && n.inputs[0] == f.out_value) {
            Fusion g = f;
            auto& dst = g.sum_value ? g.after_sum : g.before_sum;
            dst.insert(dst.end(), ops->begin(), ops->end());
            if (!expressible(g)) break;
            f = std::move(g);
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
                Fusion g = f;
                g.requant = activation_quant(b.graph(), n, static_cast<int64_t>(dst_dims.size()), cpu_u8_exact());
                if (g.requant && expressible(g)) {
                    f = std::move(g);
                    f.nodes.push_back(*next);
                    f.out_value = n.outputs.at(0);
                    if (allow_sum && allow_int8_sum) extend_int8_sum(b, f, dst_dims);
                }
            }
        }
    }
    return f;
}

void apply_fusion(const Fusion& f, dnnl::primitive_attr& attr, dnnl::post_ops po) {
    auto ops = chain_of(f);
    canonicalize(ops);
    auto encoded = encode(ops, po);
    // plan_fusion() only builds chains encode() can express.
    POT_CHECK(encoded.has_value(), "fused post-op chain of ", f.nodes.size(), " nodes cannot be expressed");
    if (f.requant && f.requant->zero_point != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {f.requant->zero_point});
    attr.set_post_ops(*encoded);
}

dnnl::memory define_fused_dst(PlanBuilder& b, const Fusion& f, const dnnl::memory::desc& desc) {
    for (size_t n : f.nodes) b.fuse(n);
    if (!f.sum_value) return b.define(f.out_value, desc, f.requant);
    const std::string& residual = *f.sum_value;
    if (f.sum_codes) {
        // plan_fusion checked the residual's codes are at their last use in a plain buffer, and
        // the primitive writes that buffer's layout (int8_sum_dst_desc): overwrite it.
        const Rep* target = nullptr;
        for (const Rep* codes : b.quantized_forms(residual))
            if (codes->mem.get_desc() == f.sum_codes_desc && codes->buffer >= 0) target = codes;
        POT_CHECK(target != nullptr, "INT8 residual sum into '", residual, "': its codes are no longer in the planned buffer");
        return b.alias(f.out_value, *target, desc, &*f.requant);
    }
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
