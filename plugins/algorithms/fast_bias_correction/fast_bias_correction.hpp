#pragma once

#include <map>
#include <vector>

#include "bias_settings.hpp"
#include "biased_op.hpp"
#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::bias_correction {

/// FastBiasCorrection: after quantization, restores the mean output of every op whose weights
/// are quantized. It needs the FP32 per-channel means of each op's input, so it runs in the same
/// statistics stage as the algorithm inserting FakeQuantize (after it). Each op is then run once
/// on an input filled with those means, with float and with quantized weights (no bias), and the
/// difference of the per-channel output means is added to its bias.
///
/// Two departures from the textbook recipe (new bias = collected FP32 output mean - quantized
/// output on the mean input), both measured to help: the float op runs on the same constant input,
/// so padding and border effects, which differ between real data and a constant input, cancel;
/// and that input is not passed through the op's input FakeQuantize, because rounding one
/// constant adds up to half a step of error per channel that the model, whose inputs spread over
/// many steps, does not have on average. Input-side errors (clipping, coarse activation grids)
/// are left to BiasCorrection, which measures the quantized model itself.
class FastBiasCorrection final : public Algorithm {
public:
    explicit FastBiasCorrection(const Params& params);

    std::string name() const override { return "FastBiasCorrection"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    SamplingSettings sampling() const override { return settings_.sampling; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    /// Per-channel mean output of `op` in float minus that of `op` quantized as in `graph`, both
    /// without bias, on an input holding `src_mean[c]` in every element of channel c.
    std::vector<float> mean_output_shift(const Graph& graph, const BiasedOp& op,
                                         const std::vector<float>& src_mean,
                                         HostServices& host) const;

    BiasSettings settings_;
    std::vector<BiasedOp> ops_;            ///< found on the FP32 graph by statistics_needed()
    std::map<std::string, Shape> shapes_;  ///< shapes of their inputs, batch 1
};

}  // namespace pot::bias_correction
