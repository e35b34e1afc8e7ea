#pragma once

#include <vector>

#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::default_quantization {

/// DefaultQuantization (POT's recommended pipeline): ActivationChannelAlignment ->
/// MinMaxQuantization -> FastBiasCorrection (BiasCorrection with use_fast_bias = false), sharing
/// one set of parameters. A composite: the pipeline runs the parts expand() returns, which the
/// registry builds from their own plugins.
class DefaultQuantization final : public Algorithm {
public:
    explicit DefaultQuantization(const Params& params);

    std::string name() const override { return "DefaultQuantization"; }
    std::vector<AlgorithmSpec> expand() const override { return parts_; }
    /// Not called for a composite; throws.
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    /// Not called for a composite; throws.
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    std::vector<AlgorithmSpec> parts_;
};

}  // namespace pot::default_quantization
