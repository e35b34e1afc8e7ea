#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// How a statistic reduces the activations of one value over the calibration samples.
/// Axis 0 of every observed tensor is the batch; "per sample" means per index along it.
/// @since ABI 2.0
enum class ReducerKind {
    Min,            ///< minimum over all samples
    Max,            ///< maximum over all samples
    AbsMax,         ///< maximum of |x| over all samples
    MeanMin,        ///< mean over samples of each sample's minimum
    MeanMax,        ///< mean over samples of each sample's maximum
    MeanQuantileLow,   ///< mean over samples of each sample's `quantile`-quantile
    MeanQuantileHigh,  ///< mean over samples of each sample's (1 - `quantile`)-quantile
    Mean,           ///< mean of all elements
    /// Counts of all elements in StatisticRequest::histogram's equal-width bins (per tensor only).
    /// Elements below the range count in the first bin, above it in the last; NaN is skipped.
    /// The result is an I64 tensor of shape [bins].
    Histogram,
    /// Each sample's own statistic, for every sample seen: a tensor of shape [samples] (or
    /// [samples, channels] with an axis), so that an algorithm aggregates over the samples as it
    /// likes (median, a trimmed mean, ...). Memory is one number per sample and channel.
    /// @since ABI 2.5
    SampleMin,
    SampleMax,           ///< @since ABI 2.5
    SampleAbsMax,        ///< @since ABI 2.5
    SampleQuantileLow,   ///< each sample's `quantile`-quantile; @since ABI 2.5
    SampleQuantileHigh,  ///< each sample's (1 - `quantile`)-quantile; @since ABI 2.5
    SampleAbsQuantile,   ///< each sample's (1 - `quantile`)-quantile of |x|; @since ABI 2.5
};

/// True for the Sample* kinds, whose result keeps one row per sample.
/// @since ABI 2.5
POT_SDK_VISIBLE bool is_per_sample(ReducerKind kind);

/// "min", "max", "abs_max", "mean_min", "mean_max", "mean_quantile_low", "mean_quantile_high",
/// "mean", "histogram", "sample_min", "sample_max", "sample_abs_max", "sample_quantile_low",
/// "sample_quantile_high", "sample_abs_quantile"
/// @since ABI 2.0
POT_SDK_VISIBLE const char* reducer_name(ReducerKind kind);

/// Equal-width bins over [low, high] for ReducerKind::Histogram.
/// @since ABI 2.0
struct HistogramSpec {
    double low = 0.0;
    double high = 0.0;
    int64_t bins = 0;
};

/// One statistic an algorithm asks the engine to collect.
/// @since ABI 2.0
struct POT_SDK_VISIBLE StatisticRequest {
    std::string value;  ///< name of the graph value observed
    ReducerKind reducer = ReducerKind::Max;
    /// -1: one number per statistic. Otherwise the axis kept (e.g. 1 = channels of NCHW): the
    /// result holds one number per channel.
    int64_t axis = -1;
    double quantile = 1e-4;  ///< for the quantile reducers (Mean* and Sample*)
    HistogramSpec histogram = {};  ///< for ReducerKind::Histogram

    /// Unique, stable text identifying this request (value, reducer, axis, quantile; the
    /// histogram's range and bins for ReducerKind::Histogram).
    std::string key() const;
};

/// Accumulates one statistic while batches stream past; never keeps the activations.
/// An instance is updated by one thread at a time.
/// @since ABI 2.0
class POT_SDK_VISIBLE Reducer {
public:
    virtual ~Reducer() = default;
    /// Folds in a batch (axis 0 = batch). The tensor is only read during the call.
    virtual void update(const Tensor& batch) = 0;
    /// The statistic so far: a scalar tensor, or one value per channel. Throws if nothing was seen.
    virtual Tensor result() const = 0;
};

/// The reducer for `request`.
/// @since ABI 2.0
POT_SDK_VISIBLE std::unique_ptr<Reducer> make_reducer(const StatisticRequest& request);

/// Accumulates several statistics of one value and shares the work between them: every
/// min / max / abs-max / mean statistic that keeps the same channel axis (or none) comes from a
/// single read of each batch, and independent parts of a large batch run in parallel. Engines
/// feed each observed tensor once to its value's ValueReducer.
/// @since ABI 2.0
class POT_SDK_VISIBLE ValueReducer {
public:
    /// `requests` must all name the same value; results keep their order.
    explicit ValueReducer(const std::vector<StatisticRequest>& requests);
    ~ValueReducer();
    ValueReducer(const ValueReducer&) = delete;
    ValueReducer& operator=(const ValueReducer&) = delete;

    /// Folds in a batch (axis 0 = batch). Not to be called from two threads at once.
    void update(const Tensor& batch);
    /// The same for a batch of f32 values stored row-major with `shape` at `data`, which is read
    /// in place (an engine's own buffer needs no copy into a Tensor) and only during the call.
    /// @since ABI 2.5
    void update(const float* data, const Shape& shape);
    /// The statistic for requests()[i]; throws if nothing was seen.
    Tensor result(size_t i) const;
    const std::vector<StatisticRequest>& requests() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Collected statistics, addressed by their request.
/// @since ABI 2.0
class POT_SDK_VISIBLE Statistics {
public:
    void set(const StatisticRequest& request, Tensor value) { values_[request.key()] = std::move(value); }
    bool has(const StatisticRequest& request) const { return values_.count(request.key()) != 0; }
    /// The statistic for `request`; throws naming the value and reducer when it was not collected.
    const Tensor& get(const StatisticRequest& request) const;
    /// get() as floats.
    std::vector<float> floats(const StatisticRequest& request) const { return get(request).to_floats(); }
    size_t size() const { return values_.size(); }
    const std::map<std::string, Tensor>& all() const { return values_; }
    void merge(const Statistics& other);

private:
    std::map<std::string, Tensor> values_;
};

/// Requests without duplicates, in first-seen order.
/// @since ABI 2.0
POT_SDK_VISIBLE std::vector<StatisticRequest> unique_requests(const std::vector<StatisticRequest>& requests);

}  // namespace pot
