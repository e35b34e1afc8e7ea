#include "bands.hpp"

#include <algorithm>
#include <functional>
#include <numeric>

#include "ops.hpp"
#include "team.hpp"

namespace pot::cpu {

namespace {

// A band's memory for one argument, pointed `offset` bytes into the whole step's `whole` per run.
struct Rebase {
    dnnl::memory band, whole;
    size_t offset = 0;
};

}  // namespace

StepPart band_part(PlanBuilder& b, const dnnl::primitive_desc_base& pd, std::unordered_map<int, dnnl::memory> args,
                   const std::vector<BandView>& views) {
    std::vector<Rebase> rebases;
    for (const BandView& view : views) {
        dnnl::memory band(view.desc, b.engine(), DNNL_MEMORY_NONE);
        rebases.push_back({band, args.at(view.arg), view.offset});
        args[view.arg] = band;
    }
    const dnnl::memory::desc scratchpad = pd.scratchpad_desc();
    if (scratchpad.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(scratchpad, b.engine());
    return [prim = dnnl::primitive(pd.get()), args = std::move(args), rebases = std::move(rebases)](dnnl::stream& stream) mutable {
        for (auto& r : rebases) r.band.set_data_handle(static_cast<char*>(r.whole.get_data_handle()) + r.offset);
        prim.execute(stream, args);
    };
}

bool only_band_args(const std::unordered_map<int, dnnl::memory>& args, const std::vector<int>& viewed,
                    const std::vector<int>& shared) {
    const auto listed = [](const std::vector<int>& ids, int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
    return std::all_of(args.begin(), args.end(),
                       [&](const auto& arg) { return listed(viewed, arg.first) || listed(shared, arg.first); });
}

std::pair<int64_t, int64_t> band_rows(int64_t rows, int ways, int t) {
    return {rows * t / ways, rows * (t + 1) / ways};
}

std::optional<WindowRows> window_rows(int64_t out_first, int64_t out_last, int64_t stride, int64_t pad_begin,
                                      int64_t extent, int64_t in_rows) {
    const int64_t lo = out_first * stride - pad_begin;             // rows read, padding included
    const int64_t hi = (out_last - 1) * stride - pad_begin + extent;
    const int64_t first = std::max<int64_t>(lo, 0), last = std::min(hi, in_rows);
    if (last <= first) return std::nullopt;
    return WindowRows{first, last, first - lo, hi - last};
}

void split_window_step(PlanBuilder& b, double estimated_ns, const std::unordered_map<int, dnnl::memory>& args,
                       int src_arg, int dst_arg, int64_t stride, int64_t pad_begin, int64_t extent,
                       const std::function<std::optional<dnnl::primitive_desc_base>(
                           const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
                           const std::optional<WindowRows>& rows)>& make_band) {
    using tag = dnnl::memory::format_tag;
    const int ways = b.split_ways();
    if (ways < 2 || estimated_ns < split_above_ns() || !only_band_args(args, {src_arg, dst_arg}, {})) return;
    const dnnl::memory::desc src = args.at(src_arg).get_desc(), dst = args.at(dst_arg).get_desc();
    const auto in = src.dims(), out = dst.dims();
    if (in.size() != 4 || out.size() != 4 || in[0] != 1 || in[1] != out[1]) return;
    const auto type = src.data_type(), dst_type = dst.data_type();
    const auto size = [](dnnl::memory::data_type t) { return dnnl::memory::data_type_size(t); };
    const bool rows = src == dnnl::memory::desc(in, type, tag::acdb) && dst == dnnl::memory::desc(out, dst_type, tag::acdb);
    const bool blocks = in[1] % 16 == 0 && src == dnnl::memory::desc(in, type, tag::aBcd16b) &&
                        dst == dnnl::memory::desc(out, dst_type, tag::aBcd16b);
    if (!rows && !blocks) return;
    const int64_t count = rows ? out[2] : in[1] / 16;  // output rows, or channel blocks
    if (count < ways) return;
    std::vector<StepPart> parts;
    const TeamScope one(1);
    for (int t = 0; t < ways; ++t) {
        const auto [first, last] = band_rows(count, ways, t);
        dnnl::memory::desc band_src, band_dst;
        size_t src_offset = 0, dst_offset = 0;
        std::optional<WindowRows> window;
        if (rows) {
            window = window_rows(first, last, stride, pad_begin, extent, in[2]);
            if (!window) return;
            band_src = dnnl::memory::desc({1, in[1], window->last - window->first, in[3]}, type, tag::acdb);
            band_dst = dnnl::memory::desc({1, out[1], last - first, out[3]}, dst_type, tag::acdb);
            src_offset = static_cast<size_t>(window->first * in[1] * in[3]) * size(type);
            dst_offset = static_cast<size_t>(first * out[1] * out[3]) * size(dst_type);
        } else {
            const int64_t channels = 16 * (last - first);
            band_src = dnnl::memory::desc({1, channels, in[2], in[3]}, type, tag::aBcd16b);
            band_dst = dnnl::memory::desc({1, channels, out[2], out[3]}, dst_type, tag::aBcd16b);
            src_offset = static_cast<size_t>(16 * first * in[2] * in[3]) * size(type);
            dst_offset = static_cast<size_t>(16 * first * out[2] * out[3]) * size(dst_type);
        }
        std::optional<dnnl::primitive_desc_base> band;
        try {
            band = make_band(band_src, band_dst, window);
        } catch (const dnnl::error&) {
            return;
        }
        if (!band || is_reference_impl(*band)) return;
        parts.push_back(band_part(b, *band, args, {{src_arg, band_src, src_offset}, {dst_arg, band_dst, dst_offset}}));
    }
    b.split_last_step(std::move(parts), estimated_ns, rows ? "row" : "channel");
}

void split_dense_rows(PlanBuilder& b, double estimated_ns, const std::unordered_map<int, dnnl::memory>& args,
                      const std::vector<int>& src_args, int dst_arg, const std::vector<int>& shared, bool elements,
                      const std::function<std::optional<dnnl::primitive_desc_base>(const dnnl::memory::desc& src,
                                                                                   const dnnl::memory::desc& dst)>& make_band) {
    const int ways = b.split_ways();
    if (ways < 2 || estimated_ns < split_above_ns() || src_args.empty()) return;
    std::vector<int> viewed = src_args;
    viewed.push_back(dst_arg);
    if (!only_band_args(args, viewed, shared)) return;
    const dnnl::memory::desc src = args.at(src_args[0]).get_desc(), dst = args.at(dst_arg).get_desc();
    // Every source laid out as the first one.
    for (int arg : src_args)
        if (with_type(args.at(arg).get_desc(), src.data_type()) != src) return;
    if (elements) {
        // Element i of the source meets element i of the destination: one dense layout.
        if (!storage_order(src) || with_type(dst, src.data_type()) != src) return;
    } else if (!is_plain(src) || !is_plain(dst) || src.dims().empty() || src.dims()[0] != dst.dims()[0]) {
        return;
    }
    // Rows of the outermost dimension, or single elements of the tensors seen as vectors.
    const auto shape = [&](const dnnl::memory::desc& d) {
        const auto dims = d.dims();
        return elements ? dnnl::memory::dims{std::accumulate(dims.begin(), dims.end(), dnnl::memory::dim{1}, std::multiplies<>())}
                        : dims;
    };
    const int64_t rows = shape(src)[0];
    if (rows < ways) return;
    const auto row_bytes = [&](const dnnl::memory::desc& d) { return d.get_size() / static_cast<size_t>(shape(d)[0]); };
    std::vector<StepPart> parts;
    const TeamScope one(1);
    for (int t = 0; t < ways; ++t) {
        const auto [first, last] = band_rows(rows, ways, t);
        auto src_dims = shape(src), dst_dims = shape(dst);
        src_dims[0] = dst_dims[0] = last - first;
        const auto band_src = plain_desc(src_dims, src.data_type()), band_dst = plain_desc(dst_dims, dst.data_type());
        std::optional<dnnl::primitive_desc_base> band;
        try {
            band = make_band(band_src, band_dst);
        } catch (const dnnl::error&) {
            return;
        }
        if (!band || is_reference_impl(*band)) return;
        std::vector<BandView> views;
        for (int arg : src_args) {
            const dnnl::memory::desc whole = args.at(arg).get_desc();
            views.push_back({arg, with_type(band_src, whole.data_type()), static_cast<size_t>(first) * row_bytes(whole)});
        }
        views.push_back({dst_arg, band_dst, static_cast<size_t>(first) * row_bytes(dst)});
        parts.push_back(band_part(b, *band, args, views));
    }
    b.split_last_step(std::move(parts), estimated_ns);
}

}  // namespace pot::cpu
