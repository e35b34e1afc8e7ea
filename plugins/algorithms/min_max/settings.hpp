#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregation.hpp"
#include "ignored_scope.hpp"  // plugins/common
#include "pot/graph.hpp"
#include "pot/params.hpp"
#include "pot/sampling_settings.hpp"
#include "pot/statistics.hpp"
#include "range_aciq.hpp"
#include "range_admm.hpp"

namespace pot::min_max {

/// POT presets: performance = symmetric weights and activations; mixed = symmetric weights,
/// asymmetric activations; accuracy = asymmetric both (weights stay symmetric here: every INT8
/// runtime we target requires zero-point-free weights).
enum class Preset { Performance, Mixed, Accuracy };

/// Where an activation's range comes from. `Statistics` reads the low/high reducers directly
/// (min_max, mean_min_max, quantile); every other method picks a clipping threshold T on |x| from
/// a histogram collected in a second pass, and the range is [max(min, -T), min(max, T)], except
/// Mse for asymmetric grids, which searches both bounds (range_mse.hpp).
enum class RangeMethod { Statistics, Kl, SymKl, Jsd, Mse, Aciq, Admm };

constexpr int64_t kDefaultHistogramBins = 2048;

/// How an activation's range [low, high] is estimated.
struct RangeEstimator {
    RangeMethod method = RangeMethod::Statistics;
    /// The statistic of each bound. A Sample* kind (pot::is_per_sample) keeps every sample's value
    /// and the bound's aggregator folds them; the others carry their aggregation in the kind.
    ReducerKind low = ReducerKind::MeanMin;
    ReducerKind high = ReducerKind::MeanMax;
    Aggregator low_aggregator = Aggregator::Mean;   ///< for a Sample* low kind
    Aggregator high_aggregator = Aggregator::Mean;  ///< for a Sample* high kind
    /// POT's min.clipping_value: the low bound is raised to at least this.
    std::optional<double> low_clip;
    /// POT's max.clipping_value: the high bound is lowered to at most this.
    std::optional<double> high_clip;
    double outlier_prob = 1e-4;  ///< for the quantile reducers
    int64_t histogram_bins = kDefaultHistogramBins;  ///< th_binnum: bins of the |x| histogram
    AciqPrior aciq_prior = AciqPrior::Laplace;
    int admm_iterations = kDefaultAdmmIterations;

    bool needs_histogram() const { return method != RangeMethod::Statistics; }
    bool operator==(const RangeEstimator&) const = default;
};

/// Activation settings for the inputs of one op type, in place of the global ones.
struct OpTypeActivationSettings {
    std::optional<bool> symmetric;       ///< "mode"; unset: the preset's
    std::optional<RangeEstimator> range;  ///< "range_estimator"; unset: the global one
};

struct ActivationSettings {
    int bits = 8;
    bool symmetric = true;
    RangeEstimator range;
    /// activations.op_types: settings for the quantized inputs of the ops of a type (by the op the
    /// point serves, QuantizationPoint::config_node), e.g. MatMul inputs ranged by MSE while the
    /// rest keep the global estimator. Per-op trial overrides (TunableQuantization) still win.
    std::map<std::string, OpTypeActivationSettings> by_op_type;
};

/// How a weight tensor's symmetric range is chosen, per channel or per tensor.
enum class WeightRangeMethod {
    MaxAbs,  ///< [-max |w|, max |w|]
    Admm,    ///< the threshold minimizing the squared quantization error (range_admm.hpp)
};

struct WeightSettings {
    int bits = 8;
    /// mode symmetric (the default): codes [-(2^(bits-1) - 1), 2^(bits-1) - 1] without a zero
    /// point. Asymmetric: 2^bits codes over the channel's [min, max] with a zero point per channel
    /// (ONNX Runtime runs them as integers; the cpu engine's oneDNN convolutions take no weight
    /// zero point, so it runs those ops in f32 on the dequantized weights).
    bool symmetric = true;
    std::optional<bool> per_channel;  ///< overrides the hardware config when set
    WeightRangeMethod range_method = WeightRangeMethod::MaxAbs;
    int admm_iterations = kDefaultAdmmIterations;
    /// POT's weights range_estimator max {type: quantile, outlier_prob}: the threshold is the
    /// (1 - outlier_prob)-quantile of |w| per channel (or tensor) instead of its maximum; for
    /// asymmetric weights the (1 - outlier_prob)-quantile of w itself.
    std::optional<double> quantile_outlier_prob;
    /// Asymmetric weights' min {type: quantile, outlier_prob}: the low bound is the
    /// outlier_prob-quantile of w per channel instead of its minimum.
    std::optional<double> low_quantile_outlier_prob;
    std::optional<double> high_clip;  ///< max.clipping_value: |w| threshold (asymmetric: w's high bound) at most this
    std::optional<double> low_clip;   ///< asymmetric min.clipping_value: w's low bound at least this
};

/// One op's quantized inputs quantized otherwise than the rest (POT's layerwise_configs, which
/// INT4MixedQuantization uses to lower convolutions to 4 bits): its weights and the activations
/// it reads, with their own bits and range estimators.
struct LayerSettings {
    WeightSettings weights;         ///< the global ones with this op's changes
    int activation_bits = 8;
    std::optional<RangeEstimator> activation_range;  ///< unset: the one the op would get
};

/// Nodes kept in float: by exact name, by name regular expression, or by op type.
/// Every parameter of MinMaxQuantization.
struct MinMaxSettings {
    Preset preset = Preset::Performance;
    ActivationSettings activations;
    WeightSettings weights;
    common::IgnoredScope ignored;  ///< nodes left in float
    SamplingSettings sampling;
    std::optional<std::filesystem::path> hardware_config;  ///< overrides the target device's file
    /// Give the quantized inputs of each Concat, and both inputs of each Add, one shared range
    /// (the union of theirs). Unset: on for target device CPU, whose INT8 kernels need it.
    std::optional<bool> unify_scales;
    /// Op types kept in float for the model type (POT's model_type "transformer": the element-wise
    /// and reduction ops of LayerNorm and the residual Adds, which POT leaves unquantized there).
    std::vector<std::string> model_type_float_ops;
    /// layerwise: by op node name.
    std::map<std::string, LayerSettings> layerwise;
};

/// The ONNX op types POT keeps in float for `model_type` ("" or "transformer"); throws a Config
/// error naming `where` for another value.
std::vector<std::string> float_ops_for_model_type(const std::string& model_type, const std::string& where);

/// Reads the parameters (POT's names) and rejects unknown keys.
MinMaxSettings parse_settings(const Params& params);

}  // namespace pot::min_max
