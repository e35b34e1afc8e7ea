#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "pot/tensor.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// Range [low, high] of weight tensor `w` per output channel along `axis` (one pair when
/// axis < 0), for codes of settings.bits bits. MaxAbs: the channel's [min, max] (widened to
/// contain 0; symmetric codes then use its larger magnitude); Admm: [-T, T] with T from
/// admm_best_threshold() on |w|. Asymmetric weights: [min, max] or quantiles of w per channel,
/// then aligned to one zero point (shared_zero_point_ranges).
/// Per-channel ranges containing [lo[c], hi[c]] (each widened to contain 0) whose 2^bits-code
/// grids all put 0 on one code, the one that gives the least total squared step: ONNX Runtime's
/// QLinearConv takes per-channel weight scales but only one weight zero point per tensor.
std::pair<std::vector<float>, std::vector<float>> shared_zero_point_ranges(std::vector<float> lo,
                                                                          std::vector<float> hi, int bits);

std::pair<std::vector<float>, std::vector<float>> weight_ranges(const Tensor& w, int64_t axis,
                                                                const WeightSettings& settings);

}  // namespace pot::min_max
