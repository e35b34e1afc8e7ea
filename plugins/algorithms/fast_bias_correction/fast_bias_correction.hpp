#pragma once

#include <map>
#include <vector>

#include "bias_settings.hpp"
#include "biased_op.hpp"
#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::bias_correction {

/// FastBiasCorrection: after quantization, restores the mean output of every op whose weights
/// are quantized. It needs the FP32 per-channel means of each op's input and biased output, so
/// it runs in the same statistics stage as the algorithm inserting FakeQuantize (after it). The
/// quantized op is then run once on an input filled with the FP32 input means, and its bias
/// becomes FP32 mean output - quantized mean output.
class FastBiasCorrection final : public Algorithm {
public:
    explicit FastBiasCorrection(const Params& params);

    std::string name() const override { return "FastBiasCorrection"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    size_t stat_subset_size() const override { return settings_.stat_subset_size; }
    bool shuffle_data() const override { return settings_.shuffle_data; }
    uint64_t seed() const override { return settings_.seed; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    /// The mean output of `op` quantized in `graph`, without bias, on an input holding
    /// `src_mean[c]` in every element of channel c.
    std::vector<float> quantized_mean_output(const Graph& graph, const BiasedOp& op,
                                             const std::vector<float>& src_mean,
                                             HostServices& host) const;

    BiasSettings settings_;
    std::vector<BiasedOp> ops_;            ///< found on the FP32 graph by statistics_needed()
    std::map<std::string, Shape> shapes_;  ///< shapes of their inputs, batch 1
};

}  // namespace pot::bias_correction
