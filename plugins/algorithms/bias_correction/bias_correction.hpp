#pragma once

#include <vector>

#include "bias_settings.hpp"
#include "biased_op.hpp"
#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::bias_correction {

/// BiasCorrection: the slower, data-driven variant of FastBiasCorrection. For every op whose
/// weights are quantized, in network order, the quantized model up to that op is run on the
/// calibration samples and the bias is shifted by FP32 mean output - quantized mean output.
/// Ops are corrected one after the other, so each sees the corrections of the ops before it.
/// Costs one pass over the statistics subset per corrected op.
class BiasCorrection final : public Algorithm {
public:
    explicit BiasCorrection(const Params& params);

    std::string name() const override { return "BiasCorrection"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    SamplingSettings sampling() const override { return settings_.sampling; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    /// Per-channel mean of the biased output of `op` in the quantized `graph` on the samples.
    std::vector<float> quantized_mean_output(const Graph& graph, const BiasedOp& op,
                                             HostServices& host) const;

    BiasSettings settings_;
    std::vector<BiasedOp> ops_;  ///< found on the FP32 graph by statistics_needed()
};

}  // namespace pot::bias_correction
