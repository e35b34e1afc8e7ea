#pragma once

#include <algorithm>
#include <cstdint>

#include "pot/tensor.hpp"

namespace pot {

/// How a row-major tensor splits into channels along one axis: element i belongs to channel
/// (i / inner) % channels, so each channel is a series of contiguous runs of `inner` elements.
/// Without an axis (-1) the whole tensor is one channel. The caller checks the axis is in range.
struct ChannelWalk {
    int64_t inner = 1, channels = 1;

    ChannelWalk(const Shape& shape, int64_t axis) {
        if (axis < 0) return;
        channels = shape.at(static_cast<size_t>(axis));
        for (size_t i = static_cast<size_t>(axis) + 1; i < shape.size(); ++i) inner *= shape[i];
    }
    size_t channel(int64_t flat) const { return static_cast<size_t>((flat / inner) % channels); }
    /// Calls f(channel, first, count) for every run of consecutive elements of one channel among
    /// the first `numel` elements (a whole tensor, or one sample of a batch).
    template <typename F>
    void for_each_run(int64_t numel, F&& f) const {
        const int64_t run = channels == 1 ? numel : inner;
        for (int64_t first = 0; first < numel; first += run) f(channel(first), first, std::min(run, numel - first));
    }
};

}  // namespace pot
