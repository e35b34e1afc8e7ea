#pragma once

#include <optional>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/statistics.hpp"

namespace pot::core {

/// What to collect on a value before its channels (along `axis`) are remapped by an increasing
/// affine map, so that `request`'s statistic of the remapped value can be computed afterwards
/// without running the model again: the request itself for statistics kept per channel along that
/// axis (minima, maxima, means, quantiles), each sample's per-channel minimum and maximum for a
/// per-tensor minimum, maximum or |x| maximum (any aggregation over the samples), the per-channel
/// mean for a per-tensor mean. Empty when the statistic cannot be mapped (histograms, per-tensor
/// quantiles, |x| statistics per channel, another axis): it is measured on the changed model.
std::vector<StatisticRequest> remap_sources(const StatisticRequest& request, int64_t axis);

/// `request`'s statistic of the value after `change`, from `collected` (which holds
/// remap_sources(request, change.axis)). nullopt when it cannot be mapped or the collected
/// statistics do not fit the change (another channel count).
std::optional<Tensor> remap_statistic(const StatisticRequest& request, const ChannelAffine& change,
                                      const Statistics& collected);

}  // namespace pot::core
