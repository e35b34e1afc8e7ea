#pragma once

#include <vector>

#include "pot/statistics.hpp"
#include "pot/tensor.hpp"

namespace pot::bias_correction {

/// The per-channel mean statistic of a value along `axis`, as statistics_needed() asks for it.
StatisticRequest channel_mean_request(const std::string& value, int64_t axis);

/// Mean of every channel of `t` along `axis` (all other axes averaged).
std::vector<float> channel_means(const Tensor& t, int64_t axis);

/// A tensor of `shape` holding `means[c]` in every element of channel c along `axis`.
Tensor broadcast_channels(const std::vector<float>& means, const Shape& shape, int64_t axis);

}  // namespace pot::bias_correction
