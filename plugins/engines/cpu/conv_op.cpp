#include "ops.hpp"

#include <algorithm>
#include <functional>

#include "bands.hpp"
#include "team.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct ConvGeometry {
    dnnl::memory::dims strides, dilates, pad_begin, pad_end, dst;
};

ConvGeometry conv_geometry(const Node& n, const dnnl::memory::dims& src, const Shape& weights) {
    const size_t spatial = src.size() - 2;
    ConvGeometry g;
    const auto strides = n.attr_ints("strides", std::vector<int64_t>(spatial, 1));
    const auto dilations = n.attr_ints("dilations", std::vector<int64_t>(spatial, 1));
    auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * spatial, 0));
    if (pads.empty()) pads.assign(2 * spatial, 0);
    const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
    POT_CHECK(strides.size() == spatial && dilations.size() == spatial && pads.size() == 2 * spatial,
              n.describe(), ": strides, dilations and pads must match ", spatial, " spatial dims");
    g.dst = {src[0], weights[0]};
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t in = src[2 + i], k = weights[2 + i];
        const int64_t extent = (k - 1) * dilations[i] + 1;
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            const int64_t out = (in + strides[i] - 1) / strides[i];
            const int64_t total = std::max<int64_t>((out - 1) * strides[i] + extent - in, 0);
            pads[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            pads[i + spatial] = total - pads[i];
        } else if (auto_pad == "VALID") {
            pads[i] = pads[i + spatial] = 0;
        }
        g.strides.push_back(strides[i]);
        g.dilates.push_back(dilations[i] - 1);
        g.pad_begin.push_back(pads[i]);
        g.pad_end.push_back(pads[i + spatial]);
        g.dst.push_back((in + pads[i] + pads[i + spatial] - extent) / strides[i] + 1);
    }
    return g;
}

// 2-D, 3x3, stride 1, no dilation, one group: what oneDNN's Winograd kernels take. They read and
// write 16-channel blocks, so outside such blocks (`blocks`) a convolution pays a reorder of its
// input from the channels-last layout of the 1x1 convolutions around it, and one of its output;
// with fewer than 64 output channels that costs more than it saves (DenseNet-121's 32 before its
// convolutions kept blocks: FP32 59 ms direct, 64 ms on Winograd; ResNet-50 76 -> 66 ms,
// GoogLeNet 27.5 -> 21.1 ms, Inception-v3 106 -> 92 ms with the bound; batch 1, 1 thread).
bool winograd_shape(const ConvGeometry& g, const Shape& weights, int64_t groups, bool blocks) {
    return groups == 1 && weights.size() == 4 && (blocks || weights[0] >= 64) && weights[2] == 3 && weights[3] == 3 &&
           g.strides == dnnl::memory::dims{1, 1} && g.dilates == dnnl::memory::dims{0, 0};
}

// oneDNN 2.x's F(4x4, 3x3) kernel (jit_wino_4x3) keeps a block of output tiles in registers whose
// size divides the tile count and stays below 32. A count without a divisor from 4 up there (37 x
// 37 tiles: Inception-v3's 147 x 147 maps; any prime number of tile rows from 37 on, squared) leaves
// it blocks of 1-3 tiles, at 0.6-0.95x the speed of direct convolution where it is otherwise 1.5-2.3x
// faster (1 thread, f32 +Relu, 64 outputs: 32 inputs at 147x147 3.8 ms direct vs 4.1 Winograd, 128
// inputs 14.8 vs 25.4; at 148x84, blocks of 21 tiles, 2.2 vs 1.0 and 8.4 vs 4.6).
bool winograd_pays(const dnnl::convolution_forward::primitive_desc& pd, const dnnl::memory::dims& dst) {
    if (std::string(pd.impl_info_str()).find("wino_4x3") == std::string::npos || dst.size() != 4) return true;
    const int64_t tiles = dst[0] * ((dst[2] + 3) / 4) * ((dst[3] + 3) / 4);
    for (int64_t block = 31; block >= 4; --block)
        if (tiles % block == 0) return true;
    return false;
}

// Float convolutions of densely connected blocks (DenseNet, Inception, U-Net skips) in 16-channel
// blocks: a channel Concat reads that layout of its inputs as dense runs, while oneDNN's
// convolutions otherwise choose channels-last, which the Winograd kernels do not take. So a
// convolution whose (fused) output feeds a channel Concat writes blocks, and one whose input is
// already in blocks keeps them, rather than paying a reorder each way.
bool in_channel_blocks(const PlanBuilder& b, const std::string& x, const std::string& out,
                       const dnnl::memory::dims& src_dims, int64_t out_channels, int64_t groups) {
    using tag = dnnl::memory::format_tag;
    if (groups != 1 || src_dims.size() != 4 || src_dims[1] % 16 != 0 || out_channels % 16 != 0) return false;
    if (b.primary(x).mem.get_desc() == dnnl::memory::desc(src_dims, dnnl::memory::data_type::f32, tag::aBcd16b))
        return true;
    for (const size_t consumer : b.graph().consumers(out)) {
        const Node& c = b.node(consumer);
        if (c.op_type == "Concat" && c.domain.empty() && (c.attr_int("axis", 1) == 1 || c.attr_int("axis", 1) == -3))
            return true;
    }
    return false;
}

using ConvPd = dnnl::convolution_forward::primitive_desc;
// A convolution like the one being lowered with other source and destination (row bands, in an
// exact layout) and paddings, its primitive created for one thread; empty when oneDNN has only
// its reference kernel for it.
using MakeBand = std::function<ConvPd(const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
                                      const dnnl::memory::dims& pad_begin, const dnnl::memory::dims& pad_end)>;

// Splits the step just added (2-D convolution `pd`, batch 1, channels-last source and
// destination) into bands of output rows, one per thread of the plan's team. A band is a
// convolution of its own over the input rows it reads, padded only where the map is: every
// output element is computed as the whole convolution computes it, in the same buffers. Leaves
// the step whole when its layouts, post-op arguments or oneDNN's kernels do not allow it.
void split_conv_rows(PlanBuilder& b, double estimated_ns, const ConvGeometry& g, const ConvPd& pd,
                     const std::unordered_map<int, dnnl::memory>& args, const MakeBand& make_band,
                     const std::function<dnnl::memory(const dnnl::memory::desc&)>& weights_in) {
    const int ways = b.split_ways();
    const dnnl::memory::desc src = pd.src_desc(), dst = pd.dst_desc();
    const std::vector<int64_t> channels_last = {0, 2, 3, 1};
    if (ways < 2 || estimated_ns < split_above_ns() || src.dims().size() != 4 || src.dims()[0] != 1 ||
        storage_order(src) != channels_last || storage_order(dst) != channels_last ||
        args.at(DNNL_ARG_SRC).get_desc() != src || args.at(DNNL_ARG_DST).get_desc() != dst)
        return;
    if (!only_band_args(args, {DNNL_ARG_SRC, DNNL_ARG_DST},
                        {DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC}))
        return;
    const auto in = src.dims(), out = dst.dims(), w = pd.weights_desc().dims();
    const int64_t in_h = in[2], out_h = out[2], kernel_h = w[w.size() - 2];
    if (out_h < ways) return;
    const int64_t extent = (kernel_h - 1) * (g.dilates[0] + 1) + 1;
    const size_t src_row = static_cast<size_t>(in[1] * in[3]) * dnnl::memory::data_type_size(src.data_type());
    const size_t dst_row = static_cast<size_t>(out[1] * out[3]) * dnnl::memory::data_type_size(dst.data_type());
    std::vector<StepPart> parts;
    const TeamScope one(1);
    for (int t = 0; t < ways; ++t) {
        const auto [first, last] = band_rows(out_h, ways, t);  // output rows
        const auto rows = window_rows(first, last, g.strides[0], g.pad_begin[0], extent, in_h);
        if (!rows) return;
        const dnnl::memory::desc band_src({1, in[1], rows->last - rows->first, in[3]}, src.data_type(), tag::nhwc);
        const dnnl::memory::desc band_dst({1, out[1], last - first, out[3]}, dst.data_type(), tag::nhwc);
        ConvPd band;
        try {
            band = make_band(band_src, band_dst, {rows->pad_before, g.pad_begin[1]}, {rows->pad_after, g.pad_end[1]});
        } catch (const dnnl::error&) {
            return;
        }
        if (!band || is_reference_impl(band) || band.src_desc() != band_src || band.dst_desc() != band_dst) return;
        std::unordered_map<int, dnnl::memory> band_args = args;
        if (band.weights_desc() != pd.weights_desc()) band_args[DNNL_ARG_WEIGHTS] = weights_in(band.weights_desc());
        parts.push_back(band_part(b, band, std::move(band_args),
                                  {{DNNL_ARG_SRC, band_src, static_cast<size_t>(rows->first) * src_row},
                                   {DNNL_ARG_DST, band_dst, static_cast<size_t>(first) * dst_row}}));
    }
    b.split_last_step(std::move(parts), estimated_ns);
}

// A float convolution (or ConvTranspose) like the one being lowered, with `channels` output
// channels from `first` on: its primitive created for one thread, the weights and bias it reads.
struct ChannelBand {
    dnnl::primitive_desc_base pd;
    dnnl::memory weights, bias;
};
using MakeChannelBand = std::function<ChannelBand(int64_t first, int64_t channels, const dnnl::memory::desc& dst)>;

// Attributes of a float band: the whole step's fused ops, and a scratchpad of its own (bands of
// one step may share oneDNN's cached primitive).
dnnl::primitive_attr float_band_attr(const Fusion& fusion) {
    dnnl::primitive_attr attr;
    apply_fusion(fusion, attr);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

// A channel band of `pd`: its weights laid out from `weights` (read as `weights_src`, the band's
// share of the whole step's float weights) and its `channels` biases from `bias` (null: none).
ChannelBand channel_band(PlanBuilder& b, const dnnl::primitive_desc_base& pd, const float* weights,
                         const dnnl::memory::desc& weights_src, const float* bias, int64_t channels) {
    ChannelBand band{pd, b.constant_memory(weights, weights_src, pd.weights_desc(0)), {}};
    if (bias) band.bias = b.constant_memory(bias, plain_desc({channels}, dt::f32), pd.weights_desc(1));
    return band;
}

// Splits the step just added (2-D float convolution or ConvTranspose `pd`, batch 1, destination in
// 16-channel blocks: a Winograd kernel's, or one feeding a channel Concat) into bands of output
// channel blocks, one per thread of the plan's team. For one image those blocks are one dense run
// of the destination; a band reads the whole source and its share of the weights and bias.
void split_conv_channels(PlanBuilder& b, double estimated_ns, const dnnl::primitive_desc_base& pd,
                         const std::unordered_map<int, dnnl::memory>& args, const MakeChannelBand& make_band) {
    const int ways = b.split_ways();
    const dnnl::memory::desc dst = pd.dst_desc(0);
    const auto dims = dst.dims();
    if (ways < 2 || estimated_ns < split_above_ns() || dims.size() != 4 || dims[0] != 1 ||
        dst.data_type() != dt::f32 || dst != dnnl::memory::desc(dims, dt::f32, tag::aBcd16b) ||
        args.at(DNNL_ARG_DST).get_desc() != dst)
        return;
    if (!only_band_args(args, {DNNL_ARG_DST}, {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS})) return;
    const int64_t blocks = dims[1] / 16;
    if (dims[1] % 16 != 0 || blocks < ways) return;
    const size_t block_bytes = static_cast<size_t>(16 * dims[2] * dims[3]) * sizeof(float);
    std::vector<StepPart> parts;
    const TeamScope one(1);
    for (int t = 0; t < ways; ++t) {
        const auto [first, last] = band_rows(blocks, ways, t);  // output channel blocks
        const dnnl::memory::desc band_dst({1, 16 * (last - first), dims[2], dims[3]}, dt::f32, tag::aBcd16b);
        ChannelBand band;
        try {
            band = make_band(16 * first, 16 * (last - first), band_dst);
        } catch (const dnnl::error&) {
            return;
        }
        if (!band.pd || is_reference_impl(band.pd) || band.pd.dst_desc(0) != band_dst ||
            band.pd.src_desc(0) != pd.src_desc(0))
            return;
        std::unordered_map<int, dnnl::memory> band_args = args;
        band_args[DNNL_ARG_WEIGHTS] = band.weights;
        if (band.bias) band_args[DNNL_ARG_BIAS] = band.bias;
        parts.push_back(band_part(b, band.pd, std::move(band_args),
                                  {{DNNL_ARG_DST, band_dst, static_cast<size_t>(first) * block_bytes}}));
    }
    b.split_last_step(std::move(parts), estimated_ns, "channel");
}

// The FakeQuantize producing a constant weight value, if any.
const Node* weight_fake_quantize(const PlanBuilder& b, const std::string& weights) {
    const auto producer = b.graph().producer(weights);
    if (!producer) return nullptr;
    const Node& fq = b.node(*producer);
    if (!is_fake_quantize(fq) || !b.is_constant(fq.inputs[0])) return nullptr;
    return &fq;
}

// The operands of a Conv or ConvTranspose: constant weights (and bias), a 3-D to 5-D source.
struct ConvOperands {
    std::string x, w, bias;
    dnnl::memory::dims src_dims;
    Shape w_shape;
    int64_t groups = 1;
};

std::optional<ConvOperands> conv_operands(const PlanBuilder& b, const Node& n) {
    ConvOperands o{n.inputs.at(0), n.inputs.at(1), n.inputs.size() > 2 ? n.inputs[2] : "", {}, {}, 1};
    if (!b.is_constant(o.w) || (!o.bias.empty() && !b.is_constant(o.bias))) return std::nullopt;
    o.src_dims = b.dims(o.x);
    o.w_shape = b.constant(o.w).shape();
    if (o.src_dims.size() < 3 || o.src_dims.size() > 5 || o.w_shape.size() != o.src_dims.size()) return std::nullopt;
    o.groups = n.attr_int("group", 1);
    if (o.groups < 1) return std::nullopt;
    return o;
}
}  // namespace

bool lower_conv(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const auto operands = conv_operands(b, n);
    if (!operands) return false;
    const auto& [x, w, bias, src_dims, w_shape, groups] = *operands;
    const int64_t out_channels = w_shape[0];
    if (src_dims[1] != w_shape[1] * groups || out_channels % groups != 0) return false;

    const Rep* xq_rep = b.quantized(x);
    // A copy: the value's list of forms grows below.
    const std::optional<ActQuant> xq = xq_rep ? xq_rep->quant : std::nullopt;
    std::optional<WeightQuant> wq;
    if (xq)
        if (const Node* fq = weight_fake_quantize(b, w))
            wq = weight_quant(b.graph(), *fq, b.constant(fq->inputs[0]), 0);
    const bool int8 = xq && wq;
    const ActQuant src_q = int8 ? *xq : ActQuant{};

    const ConvGeometry g = conv_geometry(n, src_dims, w_shape);
    dnnl::memory::dims w_dims(w_shape.begin(), w_shape.end());
    if (groups > 1) {
        w_dims[0] /= groups;
        w_dims.insert(w_dims.begin(), groups);
    }
    // INT8: a residual Add after the requantization becomes a sum post-op over the residual's codes.
    Fusion fusion = plan_fusion(b, n.outputs[0], g.dst, int8, true, int8);
    const dt src_type = int8 ? to_dnnl(src_q.dtype) : dt::f32;
    const auto dst_type = [&] { return fusion.requant ? to_dnnl(fusion.requant->dtype) : dt::f32; };
    bool blocks = !int8 && !fusion.requant && in_channel_blocks(b, x, fusion.out_value, src_dims, out_channels, groups);
    const dnnl::memory::desc w_md(w_dims, int8 ? dt::s8 : dt::f32, tag::any);
    const dnnl::memory::desc bias_md({out_channels}, dt::f32, tag::x);
    // Copies for the lambda: Clang 14 cannot capture structured bindings.
    const dnnl::memory::dims conv_src_dims = src_dims;
    const bool with_bias = !bias.empty();
    const auto make_desc = [&](dnnl::algorithm alg) {
        const dnnl::memory::desc src_md(conv_src_dims, src_type, blocks ? tag::aBcd16b : tag::any);
        const dnnl::memory::desc dst_md = fusion.sum_codes
                                              ? int8_sum_dst_desc(fusion, dst_type())
                                              : dnnl::memory::desc(g.dst, dst_type(), blocks ? tag::aBcd16b : tag::any);
        return !with_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_md,
                                                              dst_md, g.strides, g.dilates, g.pad_begin, g.pad_end)
                            : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_md,
                                                              bias_md, dst_md, g.strides, g.dilates, g.pad_begin,
                                                              g.pad_end);
    };
    auto d = make_desc(dnnl::algorithm::convolution_direct);
    // alpha scales the accumulator on top of source x weight scales (see halves_weights()).
    const auto make_pd = [&](float alpha, std::vector<float>& acc_scale) {
        dnnl::primitive_attr attr;
        acc_scale = set_output_scales(attr, out_channels, alpha, src_q, int8 ? &*wq : nullptr);
        apply_fusion(fusion, attr);
        return dnnl::convolution_forward::primitive_desc(d, attr, b.engine());
    };
    std::vector<float> acc_scale;
    dnnl::convolution_forward::primitive_desc pd;
    // Float: Winograd where oneDNN has a kernel for this shape and these post-ops (AVX-512 only in
    // 2.x). At batch 1 it ran ResNet-50's 3x3 convolutions 1.3x (7x7 maps) to 2.2x (28x28) faster.
    if (!int8 && b.options().winograd && winograd_shape(g, w_shape, groups, blocks)) {
        const auto direct = d;
        d = make_desc(dnnl::algorithm::convolution_winograd);
        try {
            pd = make_pd(1.0f, acc_scale);
            if (!winograd_pays(pd, g.dst)) {
                d = direct;
                pd = {};
            }
        } catch (const dnnl::error&) {
            d = direct;  // no Winograd kernel for it
        }
    }
    bool doubled_weights = false;
    if (fusion.sum_codes) {
        // Without a jit kernel for the sum's post-op chain, the Add runs on its own.
        try {
            pd = make_pd(1.0f, acc_scale);
        } catch (const dnnl::error&) {
        }
        if (!pd || is_reference_impl(pd)) {
            fusion = plan_fusion(b, n.outputs[0], g.dst, int8, true);
            d = make_desc(dnnl::algorithm::convolution_direct);
            pd = {};
        }
    }
    try {
        if (!pd) pd = make_pd(1.0f, acc_scale);
        // Blocks only where oneDNN has a fast kernel for them: dilations wider than the map (ASPP
        // heads at 1/16 scale) leave the blocked layout to its reference code (4.7 s a call).
        if (blocks && is_reference_impl(pd)) {
            blocks = false;
            d = make_desc(dnnl::algorithm::convolution_direct);
            pd = make_pd(1.0f, acc_scale);
        }
        if (int8 && halves_weights(pd.weights_desc()) && fits_doubled(wq->codes)) {
            pd = make_pd(0.5f, acc_scale);
            doubled_weights = true;
        }
    } catch (const dnnl::error&) {
        return false;
    }

    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = b.as(x, pd.src_desc());
    const Tensor weights = doubled_weights ? doubled(wq->codes) : int8 ? wq->codes : b.constant(w).cast(DType::F32);
    args[DNNL_ARG_WEIGHTS] = b.constant_memory(weights, w_dims, pd.weights_desc());
    if (!bias.empty()) {
        Tensor bias_t = b.constant(bias).cast(DType::F32);
        if (int8) bias_to_accumulator_units(bias_t, acc_scale);
        args[DNNL_ARG_BIAS] = b.constant_memory(bias_t, {out_channels}, pd.bias_desc());
    }
    if (int8 && src_q.zero_point != 0)
        args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_memory(b, src_q.zero_point);
    args[DNNL_ARG_DST] = define_fused_dst(b, fusion, pd.dst_desc());
    b.add_primitive(n.name, "convolution" + fusion_note(b, fusion), pd, dnnl::convolution_forward(pd), args);
    // Not when the residual summed in place is the convolution's own source: bands would
    // overwrite rows their neighbours still read.
    if (b.split_ways() > 1 && src_dims.size() == 4 && fusion.sum_value != x) {
        const MakeBand make_band = [&](const dnnl::memory::desc& src_md, const dnnl::memory::desc& dst_md,
                                       const dnnl::memory::dims& pad_begin, const dnnl::memory::dims& pad_end) {
            const auto prop = dnnl::prop_kind::forward_inference;
            const auto alg = dnnl::algorithm::convolution_direct;
            const auto band = with_bias ? dnnl::convolution_forward::desc(prop, alg, src_md, w_md, bias_md, dst_md,
                                                                          g.strides, g.dilates, pad_begin, pad_end)
                                        : dnnl::convolution_forward::desc(prop, alg, src_md, w_md, dst_md, g.strides,
                                                                          g.dilates, pad_begin, pad_end);
            dnnl::primitive_attr attr;
            std::vector<float> unused;
            unused = set_output_scales(attr, out_channels, doubled_weights ? 0.5f : 1.0f, src_q, int8 ? &*wq : nullptr);
            apply_fusion(fusion, attr);
            // Bands of one convolution may share oneDNN's cached primitive: each brings its own scratchpad.
            attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
            return ConvPd(band, attr, b.engine());
        };
        const double estimated_ns = estimated_serial_ns(b, n);
        split_conv_rows(b, estimated_ns, g, pd, args, make_band, [&](const dnnl::memory::desc& desc) {
            return b.constant_memory(weights, w_dims, desc);
        });
        if (!int8 && groups == 1) {
            const Tensor bias_f32 = with_bias ? b.constant(bias).cast(DType::F32) : Tensor();
            const MakeChannelBand make_band = [&](int64_t first, int64_t channels, const dnnl::memory::desc& dst_md) {
                const auto prop = dnnl::prop_kind::forward_inference;
                const auto alg = static_cast<dnnl::algorithm>(d.data.alg_kind);
                const dnnl::memory::dims band_w = {channels, w_dims[1], w_dims[2], w_dims[3]};
                const dnnl::memory::desc band_w_md(band_w, dt::f32, tag::any), band_bias({channels}, dt::f32, tag::x);
                const auto desc = with_bias ? dnnl::convolution_forward::desc(prop, alg, pd.src_desc(), band_w_md,
                                                                              band_bias, dst_md, g.strides, g.dilates,
                                                                              g.pad_begin, g.pad_end)
                                            : dnnl::convolution_forward::desc(prop, alg, pd.src_desc(), band_w_md, dst_md,
                                                                              g.strides, g.dilates, g.pad_begin,
                                                                              g.pad_end);
                // Output channels are the weights' outermost dimension: a contiguous share.
                const int64_t per_channel = w_dims[1] * w_dims[2] * w_dims[3];
                return channel_band(b, ConvPd(desc, float_band_attr(fusion), b.engine()),
                                    static_cast<const float*>(weights.raw()) + first * per_channel,
                                    plain_desc(band_w, dt::f32),
                                    with_bias ? static_cast<const float*>(bias_f32.raw()) + first : nullptr, channels);
            };
            split_conv_channels(b, estimated_ns, pd, args, make_band);
        }
    }
    return true;
}

namespace {

// A float 2-D ConvTranspose whose kernel equals its stride (no padding, dilation, output padding
// or groups: U-Net's 2x2 stride-2 upsampling) writes each input position's patch of s_h x s_w
// output pixels from that position alone, and patches do not overlap: a matrix product of the
// channels-last source [positions, C_in] by the weights [C_in, s_h * s_w * C_out]. It runs as 4-D
// matmuls, batch (N*H source rows, s_h kernel rows), M = W, K = C_in, N = s_w * channels, whose
// destination strides put kernel row i, column j of position (h, w) on output pixel
// (h*s_h + i, w*s_w + j): no scatter pass. The result is in 16-channel blocks (one product per
// block, which is one dense run of the map for one image), as the deconvolution's was and the
// convolutions after a U-Net's skip Concat read it, else channels-last. On one thread oneDNN
// 2.6's deconvolution ran U-Net's three at 26-64 GFLOP/s; these products run them 3.4-8x faster.
bool lower_patch_conv_transpose(PlanBuilder& b, const Node& n, const std::string& x, const Tensor& w,
                                const std::string& bias, const dnnl::memory::dims& src_dims,
                                const dnnl::memory::dims& dst_dims) {
    const int64_t batch = src_dims[0], c_in = src_dims[1], h = src_dims[2], wd = src_dims[3];
    const int64_t c_out = dst_dims[1], s_h = dst_dims[2] / h, s_w = dst_dims[3] / wd;
    const int64_t map = dst_dims[2] * dst_dims[3], rows = batch * h;
    // Channels per product: a 16-channel block, or all of them (channels-last).
    const bool blocked = c_out % 16 == 0 && (batch == 1 || c_out == 16);
    const int64_t width = blocked ? 16 : c_out, cols = s_w * width;
    const Fusion fusion = plan_fusion(b, n.outputs[0], dst_dims, false, true);
    dnnl::primitive_attr attr;
    apply_fusion(fusion, attr);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const dnnl::memory::desc w_md({1, s_h, c_in, cols}, dt::f32, tag::any);
    const dnnl::memory::desc bias_md = bias.empty() ? dnnl::memory::desc() : dnnl::memory::desc({1, 1, 1, cols}, dt::f32, tag::abcd);
    // The product for source rows [first, last) of one block.
    const auto make_pd = [&](int64_t r) {
        const dnnl::memory::desc src({r, 1, wd, c_in}, dt::f32, dnnl::memory::dims{wd * c_in, wd * c_in, c_in, 1});
        const dnnl::memory::desc dst({r, s_h, wd, cols}, dt::f32, dnnl::memory::dims{s_h * s_w * wd * width, s_w * wd * width, cols, 1});
        return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, w_md, bias_md, dst), attr, b.engine());
    };
    dnnl::matmul::primitive_desc pd;
    try {
        pd = make_pd(rows);
    } catch (const dnnl::error&) {
        return false;
    }
    if (is_reference_impl(pd)) return false;

    // Each block's weights [s_h, C_in, s_w * width] from ONNX's [C_in, C_out, s_h, s_w], its bias
    // once per kernel column.
    const int64_t blocks = c_out / width;
    const Tensor w_f32 = w.cast(DType::F32);
    const Tensor bias_f32 = bias.empty() ? Tensor() : b.constant(bias).cast(DType::F32);
    const float* from = static_cast<const float*>(w_f32.raw());
    std::vector<dnnl::memory> block_weights, block_bias;
    for (int64_t k = 0; k < blocks; ++k) {
        Tensor weights(DType::F32, {1, s_h, c_in, cols});
        float* to = static_cast<float*>(weights.raw());
        for (int64_t ci = 0; ci < c_in; ++ci)
            for (int64_t c = 0; c < width; ++c)
                for (int64_t i = 0; i < s_h; ++i)
                    for (int64_t j = 0; j < s_w; ++j)
                        to[(i * c_in + ci) * cols + j * width + c] = from[((ci * c_out + k * width + c) * s_h + i) * s_w + j];
        block_weights.push_back(b.constant_memory(weights, {1, s_h, c_in, cols}, pd.weights_desc()));
        if (bias.empty()) continue;
        Tensor tiled(DType::F32, {1, 1, 1, cols});
        for (int64_t j = 0; j < s_w; ++j)
            std::copy_n(static_cast<const float*>(bias_f32.raw()) + k * width, width, static_cast<float*>(tiled.raw()) + j * width);
        block_bias.push_back(b.constant_memory(tiled, {1, 1, 1, cols}, pd.bias_desc()));
    }
    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = b.rep_as(x, dnnl::memory::desc(src_dims, dt::f32, tag::nhwc)).mem;
    args[DNNL_ARG_DST] = define_fused_dst(b, fusion, dnnl::memory::desc(dst_dims, dt::f32, blocked ? tag::aBcd16b : tag::nhwc));

    // Source rows [first, last) of every block, one product after another.
    const auto rows_part = [&](int64_t first, int64_t last, const dnnl::matmul::primitive_desc& p) {
        std::vector<StepPart> products;
        for (int64_t k = 0; k < blocks; ++k) {
            std::unordered_map<int, dnnl::memory> block_args = args;
            block_args[DNNL_ARG_WEIGHTS] = block_weights[static_cast<size_t>(k)];
            if (!bias.empty()) block_args[DNNL_ARG_BIAS] = block_bias[static_cast<size_t>(k)];
            const auto dst_offset = blocked ? k * map * 16 + first * s_h * s_w * wd * 16 : first * s_h * s_w * wd * c_out;
            products.push_back(band_part(b, p, std::move(block_args),
                                         {{DNNL_ARG_SRC, p.src_desc(), static_cast<size_t>(first * wd * c_in) * sizeof(float)},
                                          {DNNL_ARG_DST, p.dst_desc(), static_cast<size_t>(dst_offset) * sizeof(float)}}));
        }
        return [products = std::move(products)](dnnl::stream& stream) {
            for (const auto& product : products) product(stream);
        };
    };
    b.add_step(Step{n.name, "matmul" + fusion_note(b, fusion),
                    str_cat("f32:f32:f32 [", pd.impl_info_str(), "] (", s_h, "x", s_w, " patches, ", blocks,
                            blocks == 1 ? " product)" : " products)"),
                    [run = rows_part(0, rows, pd)](RunContext& ctx) { run(ctx.stream); }});

    // On the plan's team: bands of source rows, each writing its rows' patches.
    const double estimated_ns = estimated_serial_ns(b, n);
    const int ways = b.split_ways();
    if (ways < 2 || estimated_ns < split_above_ns() || rows < ways) return true;
    std::vector<StepPart> parts;
    const TeamScope one(1);
    for (int t = 0; t < ways; ++t) {
        const auto [first, last] = band_rows(rows, ways, t);
        dnnl::matmul::primitive_desc band;
        try {
            band = make_pd(last - first);
        } catch (const dnnl::error&) {
            return true;
        }
        // The bands read the blocks' weights as laid out for the whole step.
        if (is_reference_impl(band) || band.weights_desc() != pd.weights_desc()) return true;
        parts.push_back(rows_part(first, last, band));
    }
    b.split_last_step(std::move(parts), estimated_ns);
    return true;
}
}  // namespace

// ConvTranspose on oneDNN's deconvolution (INT8 or float), with the ops after it as post-ops. ONNX's
// weights [C_in, C_out / group, k...] are oneDNN's (g)oi... weights read with the input channel
// outermost. output_shape and SAME padding stay on the reference kernels.
bool lower_conv_transpose(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const auto operands = conv_operands(b, n);
    if (!operands) return false;
    const auto& [x, w, bias, src_dims, w_shape, groups] = *operands;
    const size_t spatial = src_dims.size() - 2;
    if (src_dims[1] != w_shape[0] || w_shape[0] % groups != 0) return false;
    const int64_t out_channels = w_shape[1] * groups;
    const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
    if ((auto_pad != "NOTSET" && auto_pad != "VALID") || n.has_attr("output_shape")) return false;
    if (!bias.empty() && b.constant(bias).numel() != out_channels) return false;
    const auto strides = n.attr_ints("strides", std::vector<int64_t>(spatial, 1));
    const auto dilations = n.attr_ints("dilations", std::vector<int64_t>(spatial, 1));
    const auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * spatial, 0));
    const auto output_padding = n.attr_ints("output_padding", std::vector<int64_t>(spatial, 0));
    if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial ||
        output_padding.size() != spatial)
        return false;

    // Output length (in - 1) * stride + (k - 1) * dilation + 1 + output_padding - pads; oneDNN
    // takes output_padding off the end padding.
    dnnl::memory::dims dst_dims = {src_dims[0], out_channels}, pad_l, pad_r, dilates;
    int64_t kernel_size = 1;
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t k = w_shape[2 + i];
        const bool valid = auto_pad == "VALID";
        const int64_t begin = valid ? 0 : pads[i], end = valid ? 0 : pads[spatial + i];
        if (k < 1 || strides[i] < 1 || dilations[i] < 1 || begin < 0 || end < 0 || output_padding[i] < 0)
            return false;
        const int64_t out = (src_dims[2 + i] - 1) * strides[i] + (k - 1) * dilations[i] + 1 + output_padding[i] - begin - end;
        if (out < 1) return false;
        dst_dims.push_back(out);
        pad_l.push_back(begin);
        pad_r.push_back(end - output_padding[i]);
        dilates.push_back(dilations[i] - 1);
        kernel_size *= k;
    }

    // Logical (g)oi..., stored as ONNX's [g, C_in / g, C_out / g, k...].
    const int64_t in_per_group = w_shape[0] / groups, out_per_group = w_shape[1];
    dnnl::memory::dims w_dims = {out_per_group, in_per_group}, w_strides = {kernel_size, out_per_group * kernel_size};
    if (groups > 1) {
        w_dims.insert(w_dims.begin(), groups);
        w_strides.insert(w_strides.begin(), in_per_group * out_per_group * kernel_size);
    }
    int64_t stride = kernel_size;
    for (size_t i = 0; i < spatial; ++i) {
        stride /= w_shape[2 + i];
        w_dims.push_back(w_shape[2 + i]);
        w_strides.push_back(stride);
    }

    // INT8 when the source arrives as codes and the weights pass a symmetric FakeQuantize per
    // output channel (axis 1 of ONNX's layout; one group only, where that axis is the channel).
    const Rep* xq_rep = b.quantized(x);
    const std::optional<ActQuant> xq = xq_rep ? xq_rep->quant : std::nullopt;
    std::optional<WeightQuant> wq;
    if (xq && groups == 1)
        if (const Node* fq = weight_fake_quantize(b, w)) wq = weight_quant(b.graph(), *fq, b.constant(fq->inputs[0]), 1);

    struct Attempt {
        Fusion fusion;
        dnnl::deconvolution_forward::primitive_desc pd;
        std::vector<float> acc_scale;
        ActQuant src_q;
    };
    const auto attempt = [&](bool int8) -> std::optional<Attempt> {
        Attempt a{plan_fusion(b, n.outputs[0], dst_dims, int8, true), {}, {}, int8 ? *xq : ActQuant{}};
        const dt dst_type = a.fusion.requant ? to_dnnl(a.fusion.requant->dtype) : dt::f32;
        const dnnl::memory::desc src_md(src_dims, int8 ? to_dnnl(a.src_q.dtype) : dt::f32, tag::any);
        const dnnl::memory::desc w_md(w_dims, int8 ? dt::s8 : dt::f32, tag::any);
        const dnnl::memory::desc bias_md = bias.empty() ? dnnl::memory::desc() : dnnl::memory::desc({out_channels}, dt::f32, tag::x);
        const dnnl::memory::desc dst_md(dst_dims, dst_type, tag::any);
        try {
            const dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference,
                                                      dnnl::algorithm::deconvolution_direct, src_md, w_md, bias_md,
                                                      dst_md, to_dims(strides), dilates, pad_l, pad_r);
            dnnl::primitive_attr attr;
            a.acc_scale = set_output_scales(attr, out_channels, 1.0f, a.src_q, int8 ? &*wq : nullptr);
            apply_fusion(a.fusion, attr);
            a.pd = dnnl::deconvolution_forward::primitive_desc(d, attr, b.engine());
        } catch (const dnnl::error&) {
            return std::nullopt;
        }
        // Halved weights (CPUs without VNNI) would lose a bit of every code: float instead.
        if (is_reference_impl(a.pd) || (int8 && halves_weights(a.pd.weights_desc()))) return std::nullopt;
        return a;
    };
    bool int8 = xq && wq;
    bool patches = spatial == 2 && groups == 1 && !int8;
    for (size_t i = 0; i < spatial; ++i)
        patches = patches && w_shape[2 + i] == strides[i] && dilations[i] == 1 && pad_l[i] == 0 && pad_r[i] == 0 &&
                  output_padding[i] == 0;
    if (patches && lower_patch_conv_transpose(b, n, x, b.constant(w), bias, src_dims, dst_dims)) return true;
    std::optional<Attempt> chosen = attempt(int8);
    if (!chosen && int8) chosen = attempt(int8 = false);
    if (!chosen) return false;
    const auto& pd = chosen->pd;

    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = b.as(x, pd.src_desc());
    const Tensor weights = int8 ? wq->codes : b.constant(w).cast(DType::F32);
    args[DNNL_ARG_WEIGHTS] = b.constant_memory(
        weights.raw(), dnnl::memory::desc(w_dims, int8 ? dt::s8 : dt::f32, w_strides), pd.weights_desc());
    if (!bias.empty()) {
        Tensor bias_t = b.constant(bias).cast(DType::F32);
        if (int8) bias_to_accumulator_units(bias_t, chosen->acc_scale);
        args[DNNL_ARG_BIAS] = b.constant_memory(bias_t, {out_channels}, pd.bias_desc());
    }
    if (int8 && chosen->src_q.zero_point != 0)
        args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_memory(b, chosen->src_q.zero_point);
    args[DNNL_ARG_DST] = define_fused_dst(b, chosen->fusion, pd.dst_desc());
    b.add_primitive(n.name, "deconvolution" + fusion_note(b, chosen->fusion), pd, dnnl::deconvolution_forward(pd),
                    args);
    // Float, in 16-channel blocks (before a U-Net's skip Concat): bands of output channel blocks,
    // each with its output channels' weights, which ONNX's [C_in, C_out, k...] holds kernel_size
    // values apart.
    if (!int8 && groups == 1 && spatial == 2 && b.split_ways() > 1 && chosen->fusion.sum_value != x) {
        const Fusion& fusion = chosen->fusion;
        const Tensor bias_f32 = bias.empty() ? Tensor() : b.constant(bias).cast(DType::F32);
        split_conv_channels(b, estimated_serial_ns(b, n), pd, args,
                            [&](int64_t first, int64_t channels, const dnnl::memory::desc& dst_md) {
                                dnnl::memory::dims band_w = w_dims;
                                band_w[0] = channels;
                                const dnnl::memory::desc band_bias = bias.empty() ? dnnl::memory::desc()
                                                                                  : dnnl::memory::desc({channels}, dt::f32, tag::x);
                                const dnnl::deconvolution_forward::desc d(
                                    dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                    pd.src_desc(), dnnl::memory::desc(band_w, dt::f32, tag::any), band_bias, dst_md,
                                    to_dims(strides), dilates, pad_l, pad_r);
                                return channel_band(
                                    b, dnnl::deconvolution_forward::primitive_desc(d, float_band_attr(fusion), b.engine()),
                                    static_cast<const float*>(weights.raw()) + first * kernel_size,
                                    dnnl::memory::desc(band_w, dt::f32, w_strides),
                                    bias.empty() ? nullptr : static_cast<const float*>(bias_f32.raw()) + first, channels);
                            });
    }
    return true;
}

}  // namespace pot::cpu
