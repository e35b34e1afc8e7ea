#include "ops.hpp"

namespace pot::cpu {

namespace {

// A channel concat in the convolution layout (channels-last or 16-channel blocks) that most of
// the inputs already have; `srcs` become the inputs in that layout. nullopt when none has one or
// oneDNN would run it as reference code.
std::optional<dnnl::concat::primitive_desc> concat_in_common_layout(PlanBuilder& b, const Node& n,
                                                                   dnnl::memory::data_type type,
                                                                   std::vector<dnnl::memory>& srcs) {
    using tag = dnnl::memory::format_tag;
    const bool four = b.dims(n.inputs[0]).size() == 4;
    const std::vector<tag> candidates = four ? std::vector<tag>{tag::acdb, tag::aBcd16b}
                                             : std::vector<tag>{tag::acdeb, tag::aBcde16b};
    size_t best_matches = 0;
    std::optional<tag> best;
    for (const tag t : candidates) {
        size_t matches = 0;
        for (size_t i = 0; i < srcs.size(); ++i)
            matches += srcs[i].get_desc() == dnnl::memory::desc(b.dims(n.inputs[i]), type, t) ? 1 : 0;
        if (matches > best_matches) best_matches = matches, best = t;
    }
    if (!best) return std::nullopt;
    std::vector<dnnl::memory> laid_out;
    std::vector<dnnl::memory::desc> mds;
    for (const auto& in : n.inputs) {
        laid_out.push_back(b.as(in, dnnl::memory::desc(b.dims(in), type, *best)));
        mds.push_back(laid_out.back().get_desc());
    }
    auto dims = b.dims(n.inputs[0]);
    dims[1] = 0;
    for (const auto& in : n.inputs) dims[1] += b.dims(in)[1];
    try {
        dnnl::concat::primitive_desc pd(dnnl::memory::desc(dims, type, *best), 1, mds, b.engine());
        if (is_reference_impl(pd)) return std::nullopt;
        srcs = std::move(laid_out);
        return pd;
    } catch (const dnnl::error&) {
        return std::nullopt;
    }
}

// True when `desc` is `dims` in 16-channel blocks (aBcd16b / aBcde16b) and every input starts at a
// block boundary: then each input is one dense run of the output per batch item.
bool block_aligned(const dnnl::memory::desc& desc, dnnl::memory::data_type type, const PlanBuilder& b,
                   const Node& n) {
    using tag = dnnl::memory::format_tag;
    const auto dims = desc.dims();
    if (dims.size() != 4 && dims.size() != 5) return false;
    if (desc != dnnl::memory::desc(dims, type, dims.size() == 4 ? tag::aBcd16b : tag::aBcde16b)) return false;
    for (const auto& in : n.inputs)
        if (b.dims(in)[1] % 16 != 0) return false;
    return true;
}

}  // namespace

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
    for (const auto& in : n.inputs)
        if (b.dims(in).size() != static_cast<size_t>(rank)) return false;
    const auto type = quant ? to_dnnl(quant->dtype) : dnnl::memory::data_type::f32;
    // With `plain`, the destination is plain too (left to itself, oneDNN may pick another layout
    // for it, e.g. "bac" when the batch is 1, and copy with its reference concat).
    const auto primitive_for = [&](const std::vector<dnnl::memory>& srcs, bool plain)
        -> std::optional<dnnl::concat::primitive_desc> {
        std::vector<dnnl::memory::desc> mds;
        for (const auto& m : srcs) mds.push_back(m.get_desc());
        try {
            if (plain) {
                auto dims = b.dims(n.inputs[0]);
                dims[static_cast<size_t>(axis)] = 0;
                for (const auto& in : n.inputs) dims[static_cast<size_t>(axis)] += b.dims(in)[static_cast<size_t>(axis)];
                return dnnl::concat::primitive_desc(plain_desc(dims, type), static_cast<int>(axis), mds, b.engine());
            }
            return dnnl::concat::primitive_desc(static_cast<int>(axis), mds, b.engine());
        } catch (const dnnl::error&) {
            return std::nullopt;
        }
    };
    std::vector<dnnl::memory> srcs;
    for (const auto& in : n.inputs) srcs.push_back(quant ? b.quantized(in)->mem : b.f32(in));
    auto pd = primitive_for(srcs, false);
    // Convolution outputs come channels-last or channel-blocked: a concat of them (DenseNet's
    // growing feature maps) keeps the layout most of its inputs already have, so the chain of
    // concats, normalizations and convolutions after it never falls back to plain layouts and
    // their slow copies.
    if ((!pd || is_reference_impl(*pd)) && axis == 1 && (rank == 4 || rank == 5))
        if (auto same = concat_in_common_layout(b, n, type, srcs)) pd = std::move(same);
    if (!pd || is_reference_impl(*pd)) {
        srcs.clear();
        for (const auto& in : n.inputs) srcs.push_back(b.as(in, plain_desc(b.dims(in), type)));
        pd = primitive_for(srcs, true);
    }
    if (!pd) return false;
    // oneDNN 2.6's simple concat copies channel-blocked layouts 16 values at a time (a 1.6 MB
    // DenseNet-121 concat at 56x56: 0.61 ms blocked, 0.11 ms channels-last). There each input
    // is a dense run of the output, which one reorder per input copies at memory speed.
    if (axis == 1 && block_aligned(pd->dst_desc(), type, b, n)) {
        const auto out = pd->dst_desc();
        std::vector<dnnl::memory::desc> parts;
        std::vector<dnnl::reorder::primitive_desc> copies;
        dnnl::memory::dims offsets(out.dims().size(), 0);
        bool fast = true;
        try {
            for (size_t i = 0; i < srcs.size() && fast; ++i) {
                parts.push_back(out.submemory_desc(b.dims(n.inputs[i]), offsets));
                offsets[1] += b.dims(n.inputs[i])[1];
                copies.emplace_back(b.engine(), srcs[i].get_desc(), b.engine(), parts.back());
                fast = !is_reference_impl(copies.back());
            }
        } catch (const dnnl::error&) {
            fast = false;  // the concat primitive below
        }
        if (fast) {
            b.define(n.outputs[0], out, quant);
            const Rep whole = b.primary(n.outputs[0]);
            for (size_t i = 0; i < srcs.size(); ++i)
                b.add_primitive(n.name, "concat", copies[i], dnnl::reorder(copies[i]),
                                {{DNNL_ARG_FROM, srcs[i]}, {DNNL_ARG_TO, b.view(whole, parts[i])}});
            return true;
        }
    }
    std::unordered_map<int, dnnl::memory> args;
    for (size_t i = 0; i < srcs.size(); ++i) args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = srcs[i];
    args[DNNL_ARG_DST] = b.define(n.outputs[0], pd->dst_desc(), quant);
    b.add_primitive(n.name, "concat", *pd, dnnl::concat(*pd), std::move(args));
    return true;
}

}  // namespace pot::cpu
