#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "histogram.hpp"

namespace pot::min_max {

/// Mean squared error of quantizing |x| (each bin's center, weighted by its count) onto the
/// `q_max` + 1 levels k * threshold / q_max, k = 0..q_max, with values above `threshold` clipped.
/// 0 for an empty histogram.
double abs_quantization_mse(const AbsHistogram& hist, double threshold, int64_t q_max);

/// The bin edge (one bin .. all bins) with the smallest abs_quantization_mse: the MSE-optimal
/// clipping threshold for `q_max` positive levels (first one on ties).
double mse_threshold(const AbsHistogram& hist, int64_t q_max);

/// A histogram of x: counts[i] values in [low + i * bin_width, low + (i + 1) * bin_width).
struct SignedHistogram {
    double low = 0.0;
    double bin_width = 1.0;
    std::vector<double> counts;

    size_t bins() const { return counts.size(); }
    double edge(size_t i) const { return low + static_cast<double>(i) * bin_width; }
    double center(size_t i) const { return low + (static_cast<double>(i) + 0.5) * bin_width; }
};

/// What the Histogram reducer returns for [-abs_max, abs_max], as a SignedHistogram.
SignedHistogram signed_histogram(const std::vector<int64_t>& counts, double abs_max);

/// Mean squared error of the asymmetric grid pot::fake_quantize_from_range builds for [lo, hi]
/// (lo <= 0 <= hi, lo < hi) with `levels` codes: step (hi - lo) / (levels - 1), the code of 0
/// rounded, values outside clipped to the end codes; each bin counts as its center. 0 for an
/// empty histogram.
double affine_quantization_mse(const SignedHistogram& hist, double lo, double hi, int64_t levels);

/// The range [lo, hi] between bin edges, lo <= 0 <= hi, with the smallest
/// affine_quantization_mse: alternating searches over every edge for one bound with the other
/// fixed, from the full range of the histogram's mass and from `start`, until neither bound
/// moves; the better end point. Both bounds move because an asymmetric grid's step depends on
/// both (a clip threshold on |x| fits symmetric grids only). `start` when the histogram is empty.
std::pair<double, double> mse_affine_range(const SignedHistogram& hist, int64_t levels,
                                           std::pair<double, double> start);

}  // namespace pot::min_max
