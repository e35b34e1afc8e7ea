#pragma once

#include <vector>

#include "conv_pair.hpp"
#include "pot/graph.hpp"

namespace pot::channel_alignment {

/// Bounds on the per-channel factor, as in POT: a channel is never scaled by more than 100x.
inline constexpr float kMinChannelScale = 0.01f;
inline constexpr float kMaxChannelScale = 100.0f;

/// How the aligned activation changes, channel by channel: x'[c] = (x[c] - shift[c]) / scale[c].
struct ChannelTransform {
    std::vector<float> shift;  ///< mid-range of the channel; all 0 through a Relu
    std::vector<float> scale;  ///< > 0
};

/// The transform that centres each channel's range [low, high] on 0 (direct pairs only) and
/// brings its width to the median width: scale = clip(width / median(width), kMinChannelScale,
/// kMaxChannelScale). A channel of zero width keeps scale 1. Through a Relu only positive scaling
/// is exact (Relu(x / s) = Relu(x) / s for s > 0, but Relu(x - m) != Relu(x) - m), so the shift is
/// 0.
ChannelTransform compute_transform(const std::vector<float>& low, const std::vector<float>& high,
                                   bool through_relu);

/// Rewrites the producer's weights and bias (output channel c: minus shift[c], divided by
/// scale[c]) and the consumer's (input channel c: weights times scale[c]; bias plus W . shift), so
/// the pair computes the same function. Adds zero biases where a shift needs one, and copies
/// constants shared with other nodes before changing them.
void apply_transform(Graph& graph, const ConvPair& pair, const ChannelTransform& transform);

}  // namespace pot::channel_alignment
