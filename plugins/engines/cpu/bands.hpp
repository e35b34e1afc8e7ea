#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

#include "plan.hpp"

namespace pot::cpu {

class PlanBuilder;

/// One argument of a band: a `desc`-shaped view `offset` bytes into the whole step's argument
/// `arg` (pointed there before each run: the whole tensor's buffer is bound when the plan
/// allocates, or per run for inputs).
struct BandView {
    int arg;
    dnnl::memory::desc desc;
    size_t offset = 0;
};

/// A share of a split step (Step::parts): `pd`'s primitive, created for one thread, run with the
/// whole step's `args` but for the `views`, which replace theirs. Each band owns its primitive's
/// scratchpad (`pd` must ask for a user scratchpad): bands of one step may share oneDNN's cached
/// primitive. The one way a StepPart is made.
StepPart band_part(PlanBuilder& b, const dnnl::primitive_desc_base& pd, std::unordered_map<int, dnnl::memory> args,
                   const std::vector<BandView>& views);

/// True when `args` holds only what bands take views of (`viewed`) and what they share with the
/// whole step as it is (weights, bias, scales, zero points: `shared`).
bool only_band_args(const std::unordered_map<int, dnnl::memory>& args, const std::vector<int>& viewed,
                    const std::vector<int>& shared);

/// Band boundaries [first, last) of `rows` over `ways` threads.
std::pair<int64_t, int64_t> band_rows(int64_t rows, int ways, int t);

/// The input rows [first, last) a sliding window (convolution, pooling) reads for its output rows
/// [out_first, out_last), and the padding above and below them that remains: only where the band
/// meets the map's edges. `extent` is the dilated window height. nullopt when the band reads no
/// input row at all.
struct WindowRows {
    int64_t first = 0, last = 0, pad_before = 0, pad_after = 0;
};
std::optional<WindowRows> window_rows(int64_t out_first, int64_t out_last, int64_t stride, int64_t pad_begin,
                                      int64_t extent, int64_t in_rows);

/// Splits the step just added, whose source and destination (args `src_arg`, `dst_arg`) are 4-D
/// maps of one image with output channel c computed from input channel c alone (pooling), into
/// bands of whole channels-last rows (the window's rows with their halo, see window_rows()) or,
/// in 16-channel blocks, of channel blocks, which are one dense run of each tensor. `make_band(
/// src, dst, rows)` gives the band's primitive (user scratchpad): padded above and below as
/// `rows` says for a row band, as the whole step for a channel band (`rows` empty).
void split_window_step(PlanBuilder& b, double estimated_ns, const std::unordered_map<int, dnnl::memory>& args,
                       int src_arg, int dst_arg, int64_t stride, int64_t pad_begin, int64_t extent,
                       const std::function<std::optional<dnnl::primitive_desc_base>(
                           const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
                           const std::optional<WindowRows>& rows)>& make_band);

/// Splits the step just added, whose sources (args `src_args`, laid out alike) and destination
/// (`dst_arg`) are dense row-major tensors, into bands of their outermost dimension's rows; with
/// `elements`, into bands of elements, the tensors in one dense layout seen as vectors.
/// `make_band(src, dst)` gives the primitive for a band's first source and destination descs
/// (with a user scratchpad), or nothing when oneDNN has no fast kernel for it. Does nothing
/// without a team, for steps estimated below split_above_ns() (`estimated_ns`), or when any
/// band cannot be made.
void split_dense_rows(PlanBuilder& b, double estimated_ns, const std::unordered_map<int, dnnl::memory>& args,
                      const std::vector<int>& src_args, int dst_arg, const std::vector<int>& shared, bool elements,
                      const std::function<std::optional<dnnl::primitive_desc_base>(const dnnl::memory::desc& src,
                                                                                   const dnnl::memory::desc& dst)>& make_band);

}  // namespace pot::cpu
