#include "bands.hpp"
#include "ops.hpp"
#include "team.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;

std::optional<dnnl::algorithm> binary_algorithm(const std::string& op) {
    if (op == "Add") return dnnl::algorithm::binary_add;
    if (op == "Sub") return dnnl::algorithm::binary_sub;
    if (op == "Mul") return dnnl::algorithm::binary_mul;
    if (op == "Div") return dnnl::algorithm::binary_div;
    return std::nullopt;
}

bool commutative(const std::string& op) { return op == "Add" || op == "Mul"; }

// When `c` (same rank as `out`) is broadcast over exactly one run of consecutive axes and equals
// `out` elsewhere, the two as [outer, run, inner] and [outer, 1, inner]: a window-attention mask
// [B, H, 1, N, N] added to scores [B, H, W, N, N] becomes [B*H, W, N*N] + [B*H, 1, N*N], a
// broadcast oneDNN's jit kernels have (per batch and position) where the 5-D one has none.
std::optional<std::pair<dnnl::memory::dims, dnnl::memory::dims>> fold_broadcast_run(
    const dnnl::memory::dims& out, const dnnl::memory::dims& c) {
    size_t lo = out.size(), hi = 0;
    for (size_t i = 0; i < out.size(); ++i)
        if (c[i] != out[i]) {
            if (c[i] != 1) return std::nullopt;
            lo = std::min(lo, i);
            hi = i + 1;
        }
    if (lo >= hi) return std::nullopt;
    for (size_t i = lo; i < hi; ++i)
        if (c[i] == out[i] && out[i] != 1) return std::nullopt;  // not one run
    const auto product = [&](size_t from, size_t to) {
        int64_t p = 1;
        for (size_t i = from; i < to; ++i) p *= out[i];
        return p;
    };
    const int64_t outer = product(0, lo), run = product(lo, hi), inner = product(hi, out.size());
    return std::pair{dnnl::memory::dims{outer, run, inner}, dnnl::memory::dims{outer, 1, inner}};
}

// Operands and result of one shape and dense layout: bands of elements on the plan's team.
void split_same_shape(PlanBuilder& b, const Node& n, const std::unordered_map<int, dnnl::memory>& args,
                      dnnl::algorithm algo, dnnl::primitive_attr attr) {
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const auto src1_type = args.at(DNNL_ARG_SRC_1).get_desc().data_type();
    split_dense_rows(b, estimated_serial_ns(b, n), args, {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1}, DNNL_ARG_DST, {},
                     /*elements=*/true, [&](const dnnl::memory::desc& src, const dnnl::memory::desc& dst) {
                         const dnnl::binary::desc d(algo, src, with_type(src, src1_type), dst);
                         return std::optional<dnnl::primitive_desc_base>(dnnl::binary::primitive_desc(d, attr, b.engine()));
                     });
}

// Both operands held as codes of one type with zero point 0 (a residual Add behind two symmetric
// quantizers, say): one int8 binary primitive on the codes, scaled by the operands' scales and
// requantized for a FakeQuantize that follows, instead of two dequantizations, a float op and a
// quantization. oneDNN's binary has no zero points, hence the symmetric case only.
bool lower_int8_binary(PlanBuilder& b, size_t index, dnnl::algorithm algo, const std::string& a,
                       const std::string& c) {
    const Node& n = b.node(index);
    if (b.is_constant(a) || b.is_constant(c)) return false;
    const Rep* aq = b.quantized(a);
    const Rep* cq = b.quantized(c);
    if (!aq || !cq || aq->quant->zero_point != 0 || cq->quant->zero_point != 0 ||
        aq->quant->dtype != cq->quant->dtype)
        return false;
    // Copies: reps move when values gain new forms below.
    const dnnl::memory src0 = aq->mem;
    const float a_scale = aq->quant->scale, c_scale = cq->quant->scale;
    const dnnl::memory::desc codes_md = src0.get_desc();
    const Fusion fusion = plan_fusion(b, n.outputs[0], codes_md.dims(), true, false);
    if (fusion.requant && fusion.requant->zero_point != 0) return false;
    dnnl::primitive_attr attr;
    attr.set_scales(DNNL_ARG_SRC_0, 0, {a_scale});
    attr.set_scales(DNNL_ARG_SRC_1, 0, {c_scale});
    apply_fusion(fusion, attr);
    const dnnl::memory::desc dst_md(codes_md.dims(), fusion.requant ? to_dnnl(fusion.requant->dtype) : dt::f32,
                                    dnnl::memory::format_tag::any);
    dnnl::binary::primitive_desc pd;
    try {
        pd = dnnl::binary::primitive_desc(dnnl::binary::desc(algo, codes_md, codes_md, dst_md), attr, b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;
    const dnnl::memory src1 = b.as(c, codes_md);
    dnnl::memory dst = define_fused_dst(b, fusion, pd.dst_desc());
    const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}};
    b.add_primitive(n.name, str_cat("binary ", n.op_type, fusion_note(b, fusion)), pd, dnnl::binary(pd), args);
    split_same_shape(b, n, args, algo, attr);
    return true;
}
}  // namespace

bool lower_binary(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (eltwise_ops(b, n)) return lower_eltwise(b, index);
    const auto algo = binary_algorithm(n.op_type);
    if (!algo || n.inputs.size() != 2) return false;
    std::string a = n.inputs[0], c = n.inputs[1];
    auto a_dims = b.dims(a), c_dims = b.dims(c);
    const size_t rank = std::max(a_dims.size(), c_dims.size());
    a_dims.insert(a_dims.begin(), rank - a_dims.size(), 1);
    c_dims.insert(c_dims.begin(), rank - c_dims.size(), 1);
    dnnl::memory::dims out_dims(rank);
    for (size_t i = 0; i < rank; ++i) {
        if (a_dims[i] != c_dims[i] && a_dims[i] != 1 && c_dims[i] != 1) return false;
        out_dims[i] = std::max(a_dims[i], c_dims[i]);
    }
    if (a_dims != out_dims || b.is_constant(a)) {
        if (!commutative(n.op_type) || c_dims != out_dims || b.is_constant(c)) return false;
        std::swap(a, c);
        std::swap(a_dims, c_dims);
    }
    if (b.dims(a) != out_dims) return false;
    if (c_dims == out_dims && lower_int8_binary(b, index, *algo, a, c)) return true;
    const Fusion fusion = plan_fusion(b, n.outputs[0], out_dims, false, false);
    dnnl::primitive_attr attr;
    apply_fusion(fusion, attr);

    // Same-shape operands share the layout of the first. A broadcast one (a squeeze-excite gate
    // of shape [N,C,1,1], say) must be in a layout the jit kernels pair with the first's, or
    // oneDNN picks its reference code: the blocked channel layouts are tried, then plain ones.
    struct Candidate {
        bool plain_src0;  // src0 reordered to plain f32 (else in the layout it was produced in)
        dnnl::memory::desc src0_md, src1_md;
        bool folded = false;  // plain operands viewed as fold_broadcast_run's 3-D shapes
    };
    std::vector<Candidate> candidates;
    const dnnl::memory src0_any = b.f32(a);
    if (c_dims == out_dims) {
        candidates.push_back({false, src0_any.get_desc(), src0_any.get_desc()});
    } else if (b.dims(c).size() == rank && rank == 4) {
        for (const auto tag : {dnnl::memory::format_tag::aBcd8b, dnnl::memory::format_tag::aBcd16b,
                               dnnl::memory::format_tag::acdb, dnnl::memory::format_tag::abcd})
            candidates.push_back({false, src0_any.get_desc(), dnnl::memory::desc(c_dims, dt::f32, tag)});
    }
    if (const auto folded = fold_broadcast_run(out_dims, c_dims))
        candidates.push_back({true, plain_desc(folded->first, dt::f32), plain_desc(folded->second, dt::f32), true});
    candidates.push_back({true, plain_desc(out_dims, dt::f32), plain_desc(c_dims, dt::f32)});

    std::optional<std::pair<Candidate, dnnl::binary::primitive_desc>> chosen;
    for (const auto& candidate : candidates) {
        const auto d = dnnl::binary::desc(*algo, candidate.src0_md, candidate.src1_md, candidate.src0_md);
        try {
            dnnl::binary::primitive_desc pd(d, attr, b.engine());
            const bool reference = is_reference_impl(pd);
            if (!chosen || !reference) chosen.emplace(candidate, std::move(pd));
            if (!reference) break;
        } catch (const dnnl::error&) {
        }
    }
    if (!chosen) return false;
    const auto& [candidate, pd] = *chosen;
    if (candidate.folded) {
        const dnnl::memory src0 = b.view(b.rep_as(a, plain_desc(out_dims, dt::f32)), candidate.src0_md);
        const dnnl::memory src1 = b.is_constant(c)
                                      ? b.constant_memory(b.constant(c).cast(DType::F32), candidate.src1_md.dims(),
                                                          candidate.src1_md)
                                      : b.view(b.rep_as(c, plain_desc(b.dims(c), dt::f32)), candidate.src1_md);
        define_fused_dst(b, fusion, plain_desc(out_dims, dt::f32));
        const dnnl::memory dst = b.view(b.primary(fusion.out_value), pd.dst_desc());
        b.add_primitive(n.name, str_cat("binary ", n.op_type, fusion_note(b, fusion)), pd, dnnl::binary(pd),
                        {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
        return true;
    }
    const dnnl::memory src0 = candidate.plain_src0 ? b.plain_f32(a) : src0_any;
    dnnl::memory src1;
    if (b.is_constant(c)) {
        src1 = b.constant_memory(b.constant(c).cast(DType::F32), c_dims, candidate.src1_md);
    } else if (b.dims(c).size() == rank) {
        src1 = b.as(c, candidate.src1_md);
    } else {
        const Rep plain_c = b.rep_as(c, plain_desc(b.dims(c), dt::f32));
        src1 = b.view(plain_c, candidate.src1_md);
    }
    dnnl::memory dst = define_fused_dst(b, fusion, pd.dst_desc());
    const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}};
    b.add_primitive(n.name, str_cat("binary ", n.op_type, fusion_note(b, fusion)), pd, dnnl::binary(pd), args);
    if (c_dims == out_dims) split_same_shape(b, n, args, *algo, attr);
    return true;
}

}  // namespace pot::cpu
