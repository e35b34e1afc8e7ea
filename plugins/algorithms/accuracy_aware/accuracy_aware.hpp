#pragma once

#include "pot/algorithm.hpp"
#include "pot/params.hpp"
#include "settings.hpp"

namespace pot::accuracy_aware {

/// AccuracyAwareQuantization (POT's algorithm): quantizes with a base algorithm, and while the
/// metric drops more than the budget allows, puts back in float the quantized layer whose revert
/// helps the metric most on the samples the quantization hurt most, ranking again whenever a
/// revert does not help. Stops when the budget is met, after max_iter_num reverts, when no
/// quantized layer is left, when max_minutes have passed or when the user interrupts; the model
/// it leaves is the best one it evaluated. Reaches evaluation only through HostServices and
/// SearchServices. It quantizes the float model itself, so it must come first in the pipeline.
class AccuracyAwareQuantization final : public Algorithm {
public:
    explicit AccuracyAwareQuantization(const Params& params);

    std::string name() const override { return kAlgorithmName; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph, HostServices& host) override;
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    Settings settings_;
};

}  // namespace pot::accuracy_aware
