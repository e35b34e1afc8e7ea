#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noise_measure.hpp"
#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::quant_noise {

/// POT's QuantNoiseEstimator: how much quantization noise each convolution's output carries in
/// the model the earlier algorithms quantized. It changes nothing; it reports, per Conv node in
/// network order, the noise metric of `type` (linear ratios, not dB) and, with
/// results_dump_filename, writes them as a CSV file among the job's results.
///
/// mode "full_fq_noise": the quantized model against the same model without its quantizers, on
/// the first stat_subset_size samples, so each layer's noise includes what earlier layers pass
/// on. mode "layerwise_fq_noise": for each Conv whose data input is quantized, a model where only
/// that Conv's own quantizers (data and weights) remain, against the float one: the noise that
/// layer adds by itself (one model and one pass over the samples per layer).
class QuantNoiseEstimator final : public Algorithm {
public:
    explicit QuantNoiseEstimator(const Params& params);

    std::string name() const override { return "QuantNoiseEstimator"; }
    std::vector<StatisticRequest> statistics_needed(const Graph&, HostServices&) override { return {}; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

    struct LayerNoise {
        std::string layer;           ///< Conv node name
        std::vector<double> metric;  ///< one value, or one per channel
    };
    /// What apply() measures, without reporting it.
    std::vector<LayerNoise> measure(const Graph& graph, HostServices& host) const;

private:
    size_t samples_ = 0;  ///< stat_subset_size: the first samples of the data; 0: all
    bool layerwise_ = false;
    Measure measure_ = Measure::Sqnr;
    double eps_ = 1e-15;
    std::optional<std::string> dump_file_;  ///< plain file name of results_dump_filename
};

}  // namespace pot::quant_noise
