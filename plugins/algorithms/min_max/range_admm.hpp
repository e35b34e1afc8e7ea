#pragma once

#include <cstdint>
#include <vector>

#include "histogram.hpp"

namespace pot::min_max {

constexpr int kDefaultAdmmIterations = 100;
constexpr int kAdmmStarts = 8;

/// Symmetric scale search by alternating minimization (MNN's "ADMM" weight quantization): with
/// the scale s fixed, the best codes are q_i = min(round(x_i / s), q_max); with the codes fixed,
/// the best scale is sum(w x q) / sum(w q^2). Each step lowers sum(w (x - s q)^2), so the error
/// never exceeds that of the starting point s = start_threshold / q_max.
/// `abs_values` are magnitudes |x| with weights `weights` (same size). Stops after `iterations`
/// rounds or when s stops changing. Returns the threshold s * q_max.
double admm_threshold(const std::vector<double>& abs_values, const std::vector<double>& weights,
                      int64_t q_max, double start_threshold, int iterations);

/// admm_threshold from several starting points, max_abs * 2^-k for k = 0..kAdmmStarts-1, keeping
/// the result with the smallest error. One far outlier traps a single run started at max_abs (every
/// other value rounds to 0, so the scale cannot move); a smaller start escapes. Never worse than
/// max_abs itself.
double admm_best_threshold(const std::vector<double>& abs_values, const std::vector<double>& weights,
                           int64_t q_max, double max_abs, int iterations);

/// admm_best_threshold on the histogram's bin centers weighted by counts, from its range.
double admm_threshold(const AbsHistogram& hist, int64_t q_max, int iterations);

/// Weighted mean squared error of `abs_values` quantized with `threshold` as above.
double admm_quantization_mse(const std::vector<double>& abs_values, const std::vector<double>& weights,
                             double threshold, int64_t q_max);
/// The same with unit weights.
double admm_quantization_mse(const std::vector<double>& abs_values, double threshold, int64_t q_max);

}  // namespace pot::min_max
