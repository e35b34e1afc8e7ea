#pragma once

#include <vector>

#include "conv_pair.hpp"
#include "ignored_scope.hpp"  // plugins/common
#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::channel_alignment {

/// ActivationChannelAlignment: for every Conv -> [Relu] -> 1x1 Conv pair (see conv_pair.hpp),
/// makes the channels of the activation between them similar in range, so one per-tensor
/// quantizer suits them all. Direct pairs are also centred on 0. The model computes the same
/// function in FP32 afterwards (up to rounding).
class ChannelAlignment final : public Algorithm, public ChannelAffineChange {
public:
    explicit ChannelAlignment(const Params& params);

    std::string name() const override { return "ActivationChannelAlignment"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    SamplingSettings sampling() const override { return sampling_; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

    /// The activation of every pair found (and the Relu's input through a Relu), channels on axis 1.
    std::vector<ValueChannels> values_it_may_remap() const override;
    /// x' = (x - shift) / scale on each value of every pair apply() aligned.
    std::vector<ChannelAffine> remappings_applied() const override { return applied_; }

private:
    /// [low quantile, high quantile] requests of the activation of `pair`, per channel.
    std::vector<StatisticRequest> range_requests(const ConvPair& pair) const;

    SamplingSettings sampling_;
    double quantile_ = 1e-4;
    common::IgnoredScope ignored_;
    std::vector<ConvPair> pairs_;  ///< found by statistics_needed(), used by apply()
    std::vector<ChannelAffine> applied_;  ///< by the last apply()
};

}  // namespace pot::channel_alignment
