#pragma once

#include <string>
#include <vector>

#include "ignored_scope.hpp"  // plugins/common
#include "pot/graph.hpp"

namespace pot::smooth_quant {

/// A constant input of a node whose entries are per channel of the smoothed activation: dividing
/// entry j by s[j] divides channel j of the activation by s[j].
struct ChannelConstant {
    std::string node;
    size_t input = 0;
    bool operator==(const ChannelConstant&) const = default;
};

/// A linear layer reading the smoothed activation as its left operand, with constant weights.
struct LinearConsumer {
    std::string node;
    /// True when the weight is [outputs, channels] (Gemm with transB = 1), false when it is
    /// [channels, outputs] (MatMul, Gemm with transB = 0).
    bool transposed = false;
    bool operator==(const LinearConsumer&) const = default;
};

/// An activation X (last axis: `channels` channels) that is produced by a per-channel affine map
/// with constant parameters (a spelled-out or fused LayerNorm's `* gamma + beta`, or a `* gamma`)
/// and read only by linear layers X . W. Dividing X's channel j by s[j] (in the affine map's
/// constants) and multiplying row j of every W by s[j] keeps the function and moves range from
/// the activation into the weights.
struct SmoothingSite {
    std::string activation;
    int64_t rank = 0;      ///< rank of the activation (channel axis rank - 1); 0 when unknown
    int64_t channels = 0;
    std::vector<ChannelConstant> affine;  ///< gamma (and beta) of the producing affine map
    std::vector<LinearConsumer> consumers;
    bool operator==(const SmoothingSite&) const = default;
};

/// Every site in `graph`, in node order. Sites whose consumers include a node in `ignored` or whose
/// activation is a graph output are left out. A site whose activation has no known shape is
/// listed with rank 0: its channel axis cannot be named for statistics.
std::vector<SmoothingSite> find_smoothing_sites(const Graph& graph,
                                                const common::IgnoredScope& ignored);

}  // namespace pot::smooth_quant
