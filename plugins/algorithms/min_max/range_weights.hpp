#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "pot/tensor.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// Range [low, high] of weight tensor `w` per output channel along `axis` (one pair when
/// axis < 0), for symmetric narrow-range codes of settings.bits bits. MaxAbs: the channel's
/// [min, max] (widened to contain 0); Admm: [-T, T] with T from admm_best_threshold() on |w|.
std::pair<std::vector<float>, std::vector<float>> weight_ranges(const Tensor& w, int64_t axis,
                                                                const WeightSettings& settings);

}  // namespace pot::min_max
