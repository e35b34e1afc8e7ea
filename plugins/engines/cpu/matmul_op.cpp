#include <numeric>
#include <optional>

#include "ops.hpp"
#include "bands.hpp"
#include "team.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

const Node* weight_fake_quantize(const PlanBuilder& b, const std::string& weights) {
    const auto producer = b.graph().producer(weights);
    if (!producer) return nullptr;
    const Node& fq = b.node(*producer);
    if (!is_fake_quantize(fq) || !b.is_constant(fq.inputs[0])) return nullptr;
    return &fq;
}

// x[M, K] . W[K, N] (+ bias[N]) with W constant, stored as `w_stored` ([K, N], or [N, K] when
// transposed). `out_dims` is the logical shape of the result (M may be several leading dims).
struct DenseSpec {
    std::string x, w, bias;
    bool transposed = false;
    float alpha = 1.0f, beta = 1.0f;
    dnnl::memory::dims out_dims;
};

// The matmul's primitive descriptor, or nullopt when oneDNN has no implementation for it.
std::optional<dnnl::matmul::primitive_desc> matmul_pd(const dnnl::matmul::desc& d, const dnnl::primitive_attr& attr,
                                                      const dnnl::engine& engine) {
    try {
        return dnnl::matmul::primitive_desc(d, attr, engine);
    } catch (const dnnl::error&) {
        return std::nullopt;
    }
}

// Splits the matmul step just added (`pd`, row-major source and result) into bands of the
// result's rows (its second-to-last dimension, in every batch), one per thread of the plan's
// team: each band a matmul of its own over the same weights, its source and result strided
// views of the whole ones. `attr` is the whole matmul's; the bands bring their own scratchpads.
// Leaves the step whole when its layouts, arguments or oneDNN's kernels do not allow it.
void split_matmul_rows(PlanBuilder& b, const Node& n, const dnnl::matmul::primitive_desc& pd,
                       const std::unordered_map<int, dnnl::memory>& args, dnnl::primitive_attr attr) {
    const int ways = b.split_ways();
    if (ways < 2) return;
    const double estimated_ns = estimated_serial_ns(b, n);
    if (estimated_ns < split_above_ns()) return;
    const dnnl::memory::desc src = pd.src_desc(), dst = pd.dst_desc(), weights = pd.weights_desc();
    if (!is_plain(src) || !is_plain(dst) || args.at(DNNL_ARG_SRC).get_desc() != src ||
        args.at(DNNL_ARG_DST).get_desc() != dst)
        return;
    if (!only_band_args(args, {DNNL_ARG_SRC, DNNL_ARG_DST},
                        {DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC}))
        return;
    const auto src_dims = src.dims(), dst_dims = dst.dims();
    const size_t rows_at = src_dims.size() - 2;
    const int64_t rows = src_dims[rows_at];
    // Bands of a few rows would leave the kernels' row blocking half empty.
    if (rows < 4 * ways) return;
    const auto strides_of = [](const dnnl::memory::desc& d) {
        const auto& s = d.data.format_desc.blocking.strides;
        return dnnl::memory::dims(s, s + d.data.ndims);
    };
    const auto src_strides = strides_of(src), dst_strides = strides_of(dst);
    const size_t src_row = static_cast<size_t>(src_strides[rows_at]) * dnnl::memory::data_type_size(src.data_type());
    const size_t dst_row = static_cast<size_t>(dst_strides[rows_at]) * dnnl::memory::data_type_size(dst.data_type());
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    std::vector<StepPart> parts;
    const TeamScope one(1);
    for (int t = 0; t < ways; ++t) {
        const auto [first, last] = band_rows(rows, ways, t);
        auto band_src_dims = src_dims, band_dst_dims = dst_dims;
        band_src_dims[rows_at] = band_dst_dims[rows_at] = last - first;
        const dnnl::memory::desc band_src(band_src_dims, src.data_type(), src_strides);
        const dnnl::memory::desc band_dst(band_dst_dims, dst.data_type(), dst_strides);
        const auto d = args.count(DNNL_ARG_BIAS) ? dnnl::matmul::desc(band_src, weights, pd.bias_desc(), band_dst)
                                                 : dnnl::matmul::desc(band_src, weights, band_dst);
        const auto band = matmul_pd(d, attr, b.engine());
        // The bands read the whole matmul's weights as they are laid out.
        if (!band || is_reference_impl(*band) || band->weights_desc() != weights) return;
        parts.push_back(band_part(b, *band, args,
                                  {{DNNL_ARG_SRC, band_src, static_cast<size_t>(first) * src_row},
                                   {DNNL_ARG_DST, band_dst, static_cast<size_t>(first) * dst_row}}));
    }
    b.split_last_step(std::move(parts), estimated_ns);
}

/// The Add that adds a constant row vector to the dense layer's output (MatMul then Add, as
/// exporters write a Linear layer), and that vector as [1, n_out]; nullopt otherwise.
std::optional<std::pair<size_t, Tensor>> following_bias(const PlanBuilder& b, const std::string& produced,
                                                        int64_t n_out) {
    const auto next = b.sole_consumer(produced);
    if (!next) return std::nullopt;
    const Node& add = b.node(*next);
    if (!add.domain.empty() || add.op_type != "Add" || add.inputs.size() != 2 || add.outputs.size() != 1)
        return std::nullopt;
    const std::string& other = add.inputs[0] == produced ? add.inputs[1] : add.inputs[0];
    if (other == produced || !b.is_constant(other)) return std::nullopt;
    const Tensor& c = b.constant(other);
    const Shape& shape = c.shape();
    // [n_out] or [1, ..., 1, n_out]: one value per output column, broadcast over rows.
    if (shape.empty() || shape.back() != n_out || c.numel() != n_out) return std::nullopt;
    return std::pair{*next, Tensor::from_vector<float>({1, n_out}, c.to_floats())};
}

// x[..., K] . W as a 1x1 int8 convolution over x viewed as [M, K, 1, 1] (channels-last, the same
// bytes; M the product of the leading dimensions). oneDNN 2.6 without VNNI runs an int8 matmul on its packing GEMM (gemm:jit): a
// 1280 -> 1000 classifier at M = 1 took 1.2 ms there against 0.2 ms in f32, while its int8
// convolution kernels take weights laid out once, at build time. False when oneDNN has no jit
// kernel for it or would lose weight bits (see halves_weights()).
bool lower_dense_as_convolution(PlanBuilder& b, const Node& n, const DenseSpec& s, const ActQuant& src_q,
                                const WeightQuant& wq, const Fusion& fusion, Tensor bias_t) {
    const auto x_dims = b.dims(s.x);
    // Rows: every dimension but the last (tokens of a transformer, say).
    const int64_t m = std::accumulate(x_dims.begin(), x_dims.end() - 1, int64_t{1}, std::multiplies<>());
    const int64_t k = x_dims.back(), n_out = s.out_dims.back();
    const dt dst_type = fusion.requant ? to_dnnl(fusion.requant->dtype) : dt::f32;
    const dnnl::memory::desc src_md({m, k, 1, 1}, to_dnnl(src_q.dtype), tag::acdb);
    const dnnl::memory::desc w_md({n_out, k, 1, 1}, dt::s8, tag::any);
    const dnnl::memory::desc bias_md({n_out}, dt::f32, tag::x);
    const dnnl::memory::desc dst_md({m, n_out, 1, 1}, dst_type, tag::acdb);
    const dnnl::memory::dims ones{1, 1}, zeros{0, 0};
    const auto d = bias_t.empty()
                       ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                         dnnl::algorithm::convolution_direct, src_md, w_md,
                                                         dst_md, ones, zeros, zeros, zeros)
                       : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                         dnnl::algorithm::convolution_direct, src_md, w_md,
                                                         bias_md, dst_md, ones, zeros, zeros, zeros);
    std::vector<float> acc_scale;
    const auto make_pd = [&](float alpha) {
        dnnl::primitive_attr attr;
        acc_scale = set_output_scales(attr, n_out, alpha, src_q, &wq);
        apply_fusion(fusion, attr);
        return dnnl::convolution_forward::primitive_desc(d, attr, b.engine());
    };
    dnnl::convolution_forward::primitive_desc pd;
    bool doubled_weights = false;
    try {
        pd = make_pd(s.alpha);
        if (halves_weights(pd.weights_desc())) {
            if (!fits_doubled(wq.codes)) return false;
            pd = make_pd(0.5f * s.alpha);
            doubled_weights = true;
        }
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;

    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = b.view(b.rep_as(s.x, plain_desc(x_dims, to_dnnl(src_q.dtype))), src_md);
    const Tensor codes = doubled_weights ? doubled(wq.codes) : wq.codes;
    // Stored [N, K] (transposed) is oihw already; [K, N] has the input channel outermost.
    const dnnl::memory::desc w_src({n_out, k, 1, 1}, dt::s8, s.transposed ? tag::abcd : tag::bacd);
    args[DNNL_ARG_WEIGHTS] = b.constant_memory(codes.raw(), w_src, pd.weights_desc());
    if (!bias_t.empty()) {
        bias_to_accumulator_units(bias_t, acc_scale);
        args[DNNL_ARG_BIAS] = b.constant_memory(bias_t, {n_out}, pd.bias_desc());
    }
    if (src_q.zero_point != 0) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_memory(b, src_q.zero_point);
    define_fused_dst(b, fusion, plain_desc(s.out_dims, dst_type));
    args[DNNL_ARG_DST] = b.view(b.primary(fusion.out_value), dst_md);
    b.add_primitive(n.name, "convolution 1x1" + fusion_note(b, fusion), pd, dnnl::convolution_forward(pd),
                    std::move(args));
    return true;
}

bool lower_dense(PlanBuilder& b, const Node& n, const DenseSpec& s) {
    const Shape w_shape = b.constant(s.w).shape();
    if (w_shape.size() != 2) return false;
    const int64_t k = s.transposed ? w_shape[1] : w_shape[0];
    const int64_t n_out = s.transposed ? w_shape[0] : w_shape[1];
    const auto x_dims = b.dims(s.x);
    if (x_dims.back() != k) return false;
    const int64_t m = std::accumulate(x_dims.begin(), x_dims.end() - 1, int64_t{1}, std::multiplies<>());
    Tensor bias_t;
    if (!s.bias.empty()) {
        const Tensor& c = b.constant(s.bias);
        if (c.numel() != n_out && c.numel() != 1) return false;
        const auto values = c.to_floats();
        std::vector<float> row(static_cast<size_t>(n_out));
        for (size_t j = 0; j < row.size(); ++j) row[j] = s.beta * values[values.size() == 1 ? 0 : j];
        bias_t = Tensor::from_vector<float>({1, n_out}, row);
    }

    // A bias added by the next node becomes the primitive's bias.
    const auto folded = following_bias(b, n.outputs[0], n_out);
    if (folded) {
        const float* add = folded->second.data<float>();
        if (bias_t.empty()) bias_t = folded->second;
        else
            for (int64_t j = 0; j < n_out; ++j) bias_t.data<float>()[j] += add[j];
    }
    const std::string& produced = folded ? b.node(folded->first).outputs[0] : n.outputs[0];

    const Rep* xq_rep = b.quantized(s.x);
    // A copy: the value's list of forms grows below.
    const std::optional<ActQuant> xq = xq_rep ? xq_rep->quant : std::nullopt;
    std::optional<WeightQuant> wq;
    if (xq)
        if (const Node* fq = weight_fake_quantize(b, s.w))
            wq = weight_quant(b.graph(), *fq, b.constant(fq->inputs[0]), s.transposed ? 0 : 1);
    const bool int8 = xq && wq;
    const ActQuant src_q = int8 ? *xq : ActQuant{};
    const bool is_2d = s.out_dims.size() == 2;
    Fusion fusion = plan_fusion(b, produced, is_2d ? s.out_dims : dnnl::memory::dims{-1}, int8, true);
    if (folded) fusion.nodes.insert(fusion.nodes.begin(), folded->first);

    const dt src_type = int8 ? to_dnnl(src_q.dtype) : dt::f32;
    const dt dst_type = fusion.requant ? to_dnnl(fusion.requant->dtype) : dt::f32;
    const dnnl::memory::desc src_md = plain_desc({m, k}, src_type);
    const dnnl::memory::desc w_md({k, n_out}, int8 ? dt::s8 : dt::f32, tag::any);
    const dnnl::memory::desc bias_md({1, n_out}, dt::f32, tag::ab);
    const dnnl::memory::desc dst_md = plain_desc({m, n_out}, dst_type);
    const auto d = bias_t.empty() ? dnnl::matmul::desc(src_md, w_md, dst_md)
                                  : dnnl::matmul::desc(src_md, w_md, bias_md, dst_md);
    dnnl::primitive_attr attr;
    const auto acc_scale = set_output_scales(attr, n_out, s.alpha, src_q, int8 ? &*wq : nullptr);
    apply_fusion(fusion, attr);
    const auto found = matmul_pd(d, attr, b.engine());
    if (!found) return false;
    const dnnl::matmul::primitive_desc& pd = *found;
    if (int8 && std::string(pd.impl_info_str()).rfind("gemm", 0) == 0 &&
        lower_dense_as_convolution(b, n, s, src_q, *wq, fusion, bias_t))
        return true;

    std::unordered_map<int, dnnl::memory> args;
    const Rep x_rep = b.rep_as(s.x, plain_desc(x_dims, src_type));
    args[DNNL_ARG_SRC] = x_dims.size() == 2 ? x_rep.mem : b.view(x_rep, src_md);
    Tensor weights = int8 ? wq->codes : b.constant(s.w).cast(DType::F32);
    if (!int8 && s.alpha != 1.0f)
        for (int64_t i = 0; i < weights.numel(); ++i) weights.data<float>()[i] *= s.alpha;
    const dnnl::memory::desc w_src(dnnl::memory::dims{k, n_out}, int8 ? dt::s8 : dt::f32,
                                   s.transposed ? tag::ba : tag::ab);
    args[DNNL_ARG_WEIGHTS] = b.constant_memory(weights.raw(), w_src, pd.weights_desc());
    if (!bias_t.empty()) {
        if (int8) bias_to_accumulator_units(bias_t, acc_scale);
        args[DNNL_ARG_BIAS] = b.constant_memory(bias_t, {1, n_out}, pd.bias_desc());
    }
    if (int8 && src_q.zero_point != 0)
        args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_memory(b, src_q.zero_point);
    if (is_2d) {
        args[DNNL_ARG_DST] = define_fused_dst(b, fusion, pd.dst_desc());
    } else {
        define_fused_dst(b, fusion, plain_desc(s.out_dims, dst_type));
        Rep out = b.primary(fusion.out_value);
        args[DNNL_ARG_DST] = b.view(out, pd.dst_desc());
    }
    b.add_primitive(n.name, "matmul" + fusion_note(b, fusion), pd, dnnl::matmul(pd), args);
    split_matmul_rows(b, n, pd, args, attr);
    return true;
}

// A[.., M, K] . B[.., K, N] with both operands computed at run time as codes (attention's
// Q . K^T and P . V in a quantized transformer): an int8 matmul on the codes, the product of the
// two scales as its output scale, the ops after it fused (a requantization too). oneDNN takes
// the second operand as s8 without a zero point, and multiplies codes exactly and fast only on
// its VNNI / AMX brgemm kernels: false otherwise (the f32 path runs it).
bool lower_batched_int8(PlanBuilder& b, const Node& n, const dnnl::memory::dims& a_dims,
                        const dnnl::memory::dims& b_dims, const dnnl::memory::dims& out_dims) {
    const Rep* a_codes = b.quantized(n.inputs[0]);
    const Rep* b_codes = b.quantized(n.inputs[1]);
    if (!a_codes || !b_codes) return false;
    // Copies: the values' lists of forms grow below.
    const ActQuant qa = *a_codes->quant, qb = *b_codes->quant;
    if (qb.dtype != DType::I8 || qb.zero_point != 0) return false;
    const Fusion fusion = plan_fusion(b, n.outputs[0], out_dims, true, false);
    const dt dst_type = fusion.requant ? to_dnnl(fusion.requant->dtype) : dt::f32;
    const auto d = dnnl::matmul::desc(plain_desc(a_dims, to_dnnl(qa.dtype)), plain_desc(b_dims, dt::s8),
                                      plain_desc(out_dims, dst_type));
    dnnl::primitive_attr attr;
    attr.set_output_scales(0, {qa.scale * qb.scale});
    if (qa.zero_point != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    apply_fusion(fusion, attr);
    const auto found = matmul_pd(d, attr, b.engine());
    if (!found) return false;
    const dnnl::matmul::primitive_desc& pd = *found;
    const std::string impl = pd.impl_info_str();
    const bool exact_kernel = impl.find("vnni") != std::string::npos || impl.find("amx") != std::string::npos;
    if (impl.rfind("brg", 0) != 0 || !exact_kernel) return false;
    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = b.rep_as(n.inputs[0], pd.src_desc()).mem;
    args[DNNL_ARG_WEIGHTS] = b.rep_as(n.inputs[1], pd.weights_desc()).mem;
    if (qa.zero_point != 0) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_memory(b, qa.zero_point);
    args[DNNL_ARG_DST] = define_fused_dst(b, fusion, pd.dst_desc());
    b.add_primitive(n.name, "matmul" + fusion_note(b, fusion), pd, dnnl::matmul(pd), args);
    split_matmul_rows(b, n, pd, args, attr);
    return true;
}

// A[.., M, K] . B[.., K, N] with both operands computed at run time: on their codes when both
// are quantized (lower_batched_int8), else in f32.
bool lower_batched(PlanBuilder& b, const Node& n) {
    const auto a_dims = b.dims(n.inputs[0]), b_dims = b.dims(n.inputs[1]);
    if (a_dims.size() != b_dims.size() || a_dims.size() < 2 || a_dims.back() != b_dims[b_dims.size() - 2])
        return false;
    dnnl::memory::dims out_dims(a_dims.size());
    for (size_t i = 0; i + 2 < a_dims.size(); ++i) {
        if (a_dims[i] != b_dims[i] && a_dims[i] != 1 && b_dims[i] != 1) return false;
        out_dims[i] = std::max(a_dims[i], b_dims[i]);
    }
    out_dims[out_dims.size() - 2] = a_dims[a_dims.size() - 2];
    out_dims.back() = b_dims.back();
    if (lower_batched_int8(b, n, a_dims, b_dims, out_dims)) return true;
    const auto d = dnnl::matmul::desc(plain_desc(a_dims, dt::f32), plain_desc(b_dims, dt::f32),
                                      plain_desc(out_dims, dt::f32));
    const auto found = matmul_pd(d, dnnl::primitive_attr(), b.engine());
    if (!found) return false;
    const dnnl::matmul::primitive_desc& pd = *found;
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, b.plain_f32(n.inputs[0])},
                                               {DNNL_ARG_WEIGHTS, b.plain_f32(n.inputs[1])}};
    args[DNNL_ARG_DST] = b.define(n.outputs[0], pd.dst_desc());
    b.add_primitive(n.name, "matmul", pd, dnnl::matmul(pd), args);
    split_matmul_rows(b, n, pd, args, dnnl::primitive_attr());
    return true;
}
}  // namespace

bool lower_gemm(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.attr_int("transA", 0) != 0 || n.inputs.size() < 2 || !b.is_constant(n.inputs[1])) return false;
    DenseSpec s{n.inputs[0], n.inputs[1], n.inputs.size() > 2 ? n.inputs[2] : "",
                n.attr_int("transB", 0) != 0, n.attr_float("alpha", 1.0f), n.attr_float("beta", 1.0f), {}};
    if (!s.bias.empty() && !b.is_constant(s.bias)) return false;
    const auto x_dims = b.dims(s.x);
    if (x_dims.size() != 2) return false;
    const Shape w_shape = b.constant(s.w).shape();
    s.out_dims = {x_dims[0], s.transposed ? w_shape[0] : w_shape[1]};
    return lower_dense(b, n, s);
}

bool lower_matmul(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.inputs.size() != 2 || b.is_constant(n.inputs[0])) return false;
    if (!b.is_constant(n.inputs[1])) return lower_batched(b, n);
    const Shape w_shape = b.constant(n.inputs[1]).shape();
    auto x_dims = b.dims(n.inputs[0]);
    if (w_shape.size() != 2 || x_dims.size() < 2) return false;
    DenseSpec s{n.inputs[0], n.inputs[1], "", false, 1.0f, 1.0f, x_dims};
    s.out_dims.back() = w_shape[1];
    return lower_dense(b, n, s);
}

}  // namespace pot::cpu
