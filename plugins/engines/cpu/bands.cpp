#include "bands.hpp"

#include <algorithm>
#include <functional>
#include <numeric>

#include "ops.hpp"
#include "team.hpp"

namespace pot::cpu {

StepPart band_part(PlanBuilder& b, dnnl::primitive prim, std::unordered_map<int, dnnl::memory> args,
                   std::vector<Rebase> rebases, const dnnl::memory::desc& scratchpad) {
    if (scratchpad.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(scratchpad, b.engine());
    return [prim = std::move(prim), args = std::move(args), rebases = std::move(rebases)](dnnl::stream& stream) mutable {
        for (auto& r : rebases) r.band.set_data_handle(static_cast<char*>(r.whole.get_data_handle()) + r.offset);
        prim.execute(stream, args);
    };
}

bool only_band_args(const std::unordered_map<int, dnnl::memory>& args, const std::vector<int>& shared) {
    return std::all_of(args.begin(), args.end(), [&](const auto& arg) {
        return arg.first == DNNL_ARG_SRC || arg.first == DNNL_ARG_DST ||
               std::find(shared.begin(), shared.end(), arg.first) != shared.end();
    });
}

std::pair<int64_t, int64_t> band_rows(int64_t rows, int ways, int t) {
    return {rows * t / ways, rows * (t + 1) / ways};
}

void split_dense_rows(PlanBuilder& b, double estimated_ns, const std::unordered_map<int, dnnl::memory>& args,
                      const std::vector<int>& src_args, int dst_arg, const std::vector<int>& shared, bool elements,
                      const std::function<std::optional<dnnl::primitive_desc_base>(const dnnl::memory::desc& src,
                                                                                   const dnnl::memory::desc& dst)>& make_band) {
    const int ways = b.split_ways();
    if (ways < 2 || estimated_ns < split_above_ns() || src_args.empty()) return;
    std::vector<int> allowed = shared;
    allowed.insert(allowed.end(), src_args.begin(), src_args.end());
    allowed.push_back(dst_arg);
    for (const auto& [arg, mem] : args)
        if (std::find(allowed.begin(), allowed.end(), arg) == allowed.end()) return;
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
        std::unordered_map<int, dnnl::memory> band_args = args;
        std::vector<Rebase> rebases;
        for (int arg : src_args) {
            const dnnl::memory& whole = args.at(arg);
            dnnl::memory in(with_type(band_src, whole.get_desc().data_type()), b.engine(), DNNL_MEMORY_NONE);
            band_args[arg] = in;
            rebases.push_back({in, whole, static_cast<size_t>(first) * row_bytes(whole.get_desc())});
        }
        dnnl::memory out(band_dst, b.engine(), DNNL_MEMORY_NONE);
        band_args[dst_arg] = out;
        rebases.push_back({out, args.at(dst_arg), static_cast<size_t>(first) * row_bytes(dst)});
        parts.push_back(band_part(b, dnnl::primitive(band->get()), std::move(band_args), std::move(rebases),
                                  band->scratchpad_desc()));
    }
    b.split_last_step(std::move(parts), estimated_ns);
}

}  // namespace pot::cpu
