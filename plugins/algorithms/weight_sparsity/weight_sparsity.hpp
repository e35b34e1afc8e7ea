#pragma once

#include <map>
#include <vector>

#include "biased_op.hpp"      // plugins/common/bias
#include "ignored_scope.hpp"  // plugins/common
#include "pot/algorithm.hpp"
#include "pot/params.hpp"
#include "sparsity.hpp"
#include "tuning_settings.hpp"

namespace pot::weight_sparsity {

/// POT's WeightSparsity: magnitude sparsity over the weights of every Conv, Gemm and MatMul (one
/// threshold for the whole model, on |w| / ||W||_2 by default), the kept weights of each output
/// channel rescaled to the channel's former mean and spread; with use_layerwise_tuning, the kept
/// weights and bias of each layer then fitted by least squares to the dense layer's output on
/// calibration inputs (layerwise_tuning.hpp). Last, the bias of each op not so fitted is corrected
/// so its mean output on the FP32 mean input stays what it was.
class WeightSparsity final : public Algorithm {
public:
    explicit WeightSparsity(const Params& params);

    std::string name() const override { return "WeightSparsity"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph, HostServices& host) override;
    SamplingSettings sampling() const override { return sampling_; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    double level_ = 0.0;
    bool normed_ = true;
    bool correct_distribution_ = true;
    double eps_ = 1e-9;
    bool correct_bias_ = true;
    SamplingSettings sampling_;
    TuningSettings tuning_;
    common::IgnoredScope ignored_;
    std::vector<SparsityTarget> targets_;              ///< found by statistics_needed()
    std::vector<bias_correction::BiasedOp> biased_;    ///< the targets with a bias, not fitted
    std::map<std::string, Shape> shapes_;              ///< of the biased ops' inputs, batch 1
};

}  // namespace pot::weight_sparsity
