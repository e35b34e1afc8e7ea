#pragma once

#include <cstdint>

#include "histogram.hpp"

namespace pot::min_max {

/// Mean squared error of quantizing |x| (each bin's center, weighted by its count) onto the
/// `q_max` + 1 levels k * threshold / q_max, k = 0..q_max, with values above `threshold` clipped.
/// 0 for an empty histogram.
double abs_quantization_mse(const AbsHistogram& hist, double threshold, int64_t q_max);

/// The bin edge (one bin .. all bins) with the smallest abs_quantization_mse: the MSE-optimal
/// clipping threshold for `q_max` positive levels (first one on ties).
double mse_threshold(const AbsHistogram& hist, int64_t q_max);

}  // namespace pot::min_max
