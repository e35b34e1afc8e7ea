#pragma once

#include <vector>

#include "ignored_scope.hpp"  // plugins/common
#include "pot/algorithm.hpp"
#include "pot/params.hpp"
#include "smoothing_site.hpp"

namespace pot::smooth_quant {

/// SmoothQuant (Xiao et al., 2023): for every activation that a per-channel affine map produces
/// (the scale and shift of a LayerNorm, spelled out or not) and only linear layers read (see
/// smoothing_site.hpp), moves part of each channel's range from the activation into the weights
/// with s[j] = max|X_j|^alpha / max|W_j|^(1 - alpha). Outlier channels of the activation shrink,
/// so one per-tensor activation scale suits the others better; per-channel weight quantization
/// absorbs the growth of the weights. The FP32 function is unchanged (up to rounding).
class SmoothQuant final : public Algorithm {
public:
    explicit SmoothQuant(const Params& params);

    std::string name() const override { return "SmoothQuant"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    SamplingSettings sampling() const override { return sampling_; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    SamplingSettings sampling_;
    double alpha_ = 0.5;
    common::IgnoredScope ignored_;
    std::vector<SmoothingSite> sites_;  ///< found by statistics_needed(), used by apply()
};

}  // namespace pot::smooth_quant
