#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "pot/algorithm.hpp"
#include "pot/graph.hpp"
#include "pot/statistics.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// A per-tensor activation range [low, high] before it becomes a FakeQuantize.
struct ValueRange {
    float low = 0.0f;
    float high = 0.0f;
};

/// The width of the grid `r` becomes: quantization grids always contain 0.
inline double grid_width(const ValueRange& r) {
    return static_cast<double>(std::max(r.high, 0.0f)) - static_cast<double>(std::min(r.low, 0.0f));
}

/// Statistics of the first pass for activation `value`: the estimator's low/high reducers, or
/// the global min and max when a histogram method needs them to place the histogram.
std::vector<StatisticRequest> range_first_pass_requests(const RangeEstimator& estimator,
                                                        const std::string& value);

/// The second-pass request for `value`: a histogram of x over [-abs_max, abs_max] with twice
/// estimator.histogram_bins bins (folded into |x| afterwards, see fold_to_abs()).
StatisticRequest range_histogram_request(const RangeEstimator& estimator, const std::string& value,
                                         double abs_max);

/// The clipping threshold T on |x| that `estimator`'s histogram method picks for `bits`-bit codes.
/// `is_signed`: values of both signs, so [0, T] gets 2^(bits-1) - 1 steps; otherwise 2^bits - 1.
double histogram_threshold(const RangeEstimator& estimator, const AbsHistogram& hist, int bits,
                           bool is_signed);

/// The range of every activation in `values`: straight from the first-pass `stats`, or, for a
/// histogram method, from histograms collected in a second pass through `host` on `graph` (the
/// model before any FakeQuantize is added) over at most `subset_size` samples. A value whose
/// range is not finite (it reaches +-inf) is left out of the result. `symmetric` gives the mode
/// of a value's grid where it differs from settings.symmetric (the MSE method fits asymmetric
/// grids by both bounds).
std::map<std::string, ValueRange> estimate_activation_ranges(const Graph& graph,
                                                             const std::vector<std::string>& values,
                                                             const Statistics& stats,
                                                             HostServices& host,
                                                             const ActivationSettings& settings,
                                                             size_t subset_size,
                                                             const std::map<std::string, bool>& symmetric = {});

}  // namespace pot::min_max
