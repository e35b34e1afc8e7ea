#pragma once

#include "pot/algorithm.hpp"
#include "pot/params.hpp"
#include "settings.hpp"

namespace pot::accuracy_aware {

/// INT4MixedQuantization (POT's algorithm): quantizes with a base algorithm at 8 bits, then
/// lowers convolutions (one group; POT's NPU rule) to 4-bit weights and activations, each bound
/// the 1e-3 quantile, while the metric drop stays within maximal_drop. The convolutions go in the
/// order of what each alone at 4 bits leaves of the metric on the samples the 8-bit quantization
/// hurt most; the first lowering past the budget is undone and ends the search, as in POT. Takes
/// AccuracyAwareQuantization's parameters; every other key is the base algorithm's. POT lists it
/// after DefaultQuantization: a quantized model it gets is quantized again from the job's float
/// model.
class Int4MixedQuantization final : public Algorithm {
public:
    explicit Int4MixedQuantization(const Params& params);

    std::string name() const override { return kInt4AlgorithmName; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph, HostServices& host) override;
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    Settings settings_;
};

}  // namespace pot::accuracy_aware
