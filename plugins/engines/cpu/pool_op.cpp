#include "ops.hpp"

#include <optional>
#include <string>

#include "bands.hpp"
#include "team.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
}  // namespace

bool lower_pool(PlanBuilder& b, size_t index) { return lower_pool_as(b, index, b.node(index).op_type, false); }

bool lower_pool_as(PlanBuilder& b, size_t index, const std::string& op_type, bool squeeze_spatial) {
    const Node& n = b.node(index);
    if (n.outputs.size() > 1 && !n.outputs[1].empty()) return false;  // MaxPool indices
    const std::string& x = n.inputs.at(0);
    const auto src_dims = b.dims(x);
    if (src_dims.size() < 3 || src_dims.size() > 5) return false;
    const size_t spatial = src_dims.size() - 2;
    const bool global = op_type.rfind("Global", 0) == 0;
    const bool is_max = op_type == "MaxPool" || op_type == "GlobalMaxPool";
    std::vector<int64_t> kernel(src_dims.begin() + 2, src_dims.end());
    std::vector<int64_t> strides(spatial, 1), dilations(spatial, 1), pads(2 * spatial, 0);
    bool include_pad = false;
    if (!global) {
        kernel = n.attr_ints("kernel_shape");
        strides = n.attr_ints("strides", strides);
        dilations = n.attr_ints("dilations", dilations);
        pads = n.attr_ints("pads", pads);
        if (pads.empty()) pads.assign(2 * spatial, 0);
        include_pad = n.attr_int("count_include_pad", 0) != 0;
        if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial ||
            pads.size() != 2 * spatial)
            return false;
    }
    const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
    const bool ceil_mode = n.attr_int("ceil_mode", 0) != 0;
    dnnl::memory::dims dst_dims{src_dims[0], src_dims[1]}, pad_l, pad_r, dil;
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t in = src_dims[2 + i], ext = (kernel[i] - 1) * dilations[i] + 1;
        int64_t pb = pads[i], pe = pads[i + spatial], out;
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            out = (in + strides[i] - 1) / strides[i];
            const int64_t total = std::max<int64_t>((out - 1) * strides[i] + ext - in, 0);
            pb = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            pe = total - pb;
            if (include_pad && total > 0) return false;
        } else {
            if (auto_pad == "VALID") pb = pe = 0;
            const int64_t span = in + pb + pe - ext;
            out = (ceil_mode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
            // A window may not start in the end padding only.
            if (ceil_mode && (out - 1) * strides[i] >= in + pb) --out;
            const int64_t needed = (out - 1) * strides[i] + ext - in - pb;
            if (needed > pe) {
                if (include_pad && !is_max) return false;
                pe = needed;
            }
        }
        dst_dims.push_back(out);
        pad_l.push_back(pb);
        pad_r.push_back(pe);
        dil.push_back(dilations[i] - 1);
    }
    const Rep* xq = is_max ? b.quantized(x) : nullptr;
    const std::optional<ActQuant> quant = xq ? xq->quant : std::nullopt;
    dnnl::memory src = xq ? xq->mem : b.f32(x);
    const auto algo = is_max ? dnnl::algorithm::pooling_max
                      : include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                    : dnnl::algorithm::pooling_avg_exclude_padding;
    // Squeezed, the 1x1 result in the source's plain or channels-last order is the bytes of [N, C].
    const auto dst_desc = [&](const dnnl::memory::desc& src_desc) {
        if (!squeeze_spatial) return dnnl::memory::desc(dst_dims, src_desc.data_type(), tag::any);
        const bool channels_last = src_desc == dnnl::memory::desc(src_dims, src_desc.data_type(), tag::acdb);
        return dnnl::memory::desc(dst_dims, src_desc.data_type(), channels_last ? tag::acdb : tag::abcd);
    };
    const auto make_pd = [&](const dnnl::memory::desc& src_desc) -> std::optional<dnnl::pooling_v2_forward::primitive_desc> {
        const auto d = dnnl::pooling_v2_forward::desc(dnnl::prop_kind::forward_inference, algo, src_desc,
                                                      dst_desc(src_desc), to_dims(strides), to_dims(kernel), dil,
                                                      pad_l, pad_r);
        try {
            return dnnl::pooling_v2_forward::primitive_desc(d, b.engine());
        } catch (const dnnl::error&) {
            return std::nullopt;
        }
    };
    auto pd = make_pd(src.get_desc());
    if (!pd) return false;
    // oneDNN pools integer codes with jit kernels in channels-last layout only; codes in a blocked
    // layout (quantized from a float convolution's output) would get its reference kernel, and
    // so would a plain float source.
    if (is_reference_impl(*pd)) {
        static const tag kChannelsLast[] = {tag::acb, tag::acdb, tag::acdeb};
        const dnnl::memory::desc nhwc(src_dims, src.get_desc().data_type(), kChannelsLast[spatial - 1]);
        if (auto channels_last = make_pd(nhwc); channels_last && !is_reference_impl(*channels_last)) {
            src = b.as(x, nhwc);
            pd = std::move(channels_last);
        }
    }
    // A squeezed pooling the reference kernel would run is left to the caller's own lowering.
    if (squeeze_spatial && is_reference_impl(*pd)) return false;
    dnnl::memory dst;
    if (squeeze_spatial) {
        const dnnl::memory::dims squeezed(dst_dims.begin(), dst_dims.begin() + 2);
        b.define(n.outputs[0], plain_desc(squeezed, pd->dst_desc().data_type()), quant);
        dst = b.view(b.primary(n.outputs[0]), pd->dst_desc());
    } else {
        dst = b.define(n.outputs[0], pd->dst_desc(), quant);
    }
    const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    b.add_primitive(n.name, "pooling", *pd, dnnl::pooling_v2_forward(*pd), args);
    if (b.split_ways() > 1 && spatial == 2 && !squeeze_spatial) {
        // Bands of output rows read their window's rows; bands of channel blocks the same blocks.
        const int64_t extent = (kernel[0] - 1) * dilations[0] + 1;
        split_window_step(b, estimated_serial_ns(b, n), args, DNNL_ARG_SRC, DNNL_ARG_DST, strides[0], pad_l[0], extent,
                          [&](const dnnl::memory::desc& src_md, const dnnl::memory::desc& dst_md,
                              const std::optional<WindowRows>& rows) -> std::optional<dnnl::primitive_desc_base> {
                              dnnl::memory::dims begin = pad_l, end = pad_r;
                              if (rows) begin[0] = rows->pad_before, end[0] = rows->pad_after;
                              dnnl::primitive_attr attr;
                              attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
                              const auto d = dnnl::pooling_v2_forward::desc(dnnl::prop_kind::forward_inference, algo,
                                                                            src_md, dst_md, to_dims(strides),
                                                                            to_dims(kernel), dil, begin, end);
                              return dnnl::pooling_v2_forward::primitive_desc(d, attr, b.engine());
                          });
    }
    return true;
}

}  // namespace pot::cpu
