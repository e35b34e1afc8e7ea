#pragma once

#include <string>
#include <vector>

#include "ignored_scope.hpp"  // plugins/common
#include "pot/graph.hpp"

namespace pot::channel_alignment {

/// A producer Conv whose output reaches only a consumer Conv that mixes channels without looking
/// at neighbours (1x1 kernel, stride 1, no padding, group 1), directly or through one Relu.
struct ConvPair {
    std::string producer;    ///< node name of the producer Conv
    std::string consumer;    ///< node name of the 1x1 consumer Conv
    std::string activation;  ///< the value the consumer reads: its channels are aligned
    int64_t channels = 0;    ///< output channels of the producer = input channels of the consumer
    bool through_relu = false;
    std::string produced;    ///< the producer's output: `activation` itself, or the Relu's input
};

/// Every such pair in `graph`, in node order. Both Convs need constant f32 weights and, when
/// present, constant f32 biases with one value per output channel; pairs where either Conv is
/// in `ignored`, or where a value in between is a graph output or has other readers, are left out.
std::vector<ConvPair> find_conv_pairs(const Graph& graph, const common::IgnoredScope& ignored);

}  // namespace pot::channel_alignment
