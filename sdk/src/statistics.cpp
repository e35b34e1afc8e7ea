#include "pot/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>

#include <tbb/parallel_for.h>

#include "channel_walk.hpp"
#include "vector_clones.hpp"

namespace pot {

const char* reducer_name(ReducerKind kind) {
    switch (kind) {
        case ReducerKind::Min: return "min";
        case ReducerKind::Max: return "max";
        case ReducerKind::AbsMax: return "abs_max";
        case ReducerKind::MeanMin: return "mean_min";
        case ReducerKind::MeanMax: return "mean_max";
        case ReducerKind::MeanQuantileLow: return "mean_quantile_low";
        case ReducerKind::MeanQuantileHigh: return "mean_quantile_high";
        case ReducerKind::Mean: return "mean";
        case ReducerKind::Histogram: return "histogram";
        case ReducerKind::SampleMin: return "sample_min";
        case ReducerKind::SampleMax: return "sample_max";
        case ReducerKind::SampleAbsMax: return "sample_abs_max";
        case ReducerKind::SampleQuantileLow: return "sample_quantile_low";
        case ReducerKind::SampleQuantileHigh: return "sample_quantile_high";
        case ReducerKind::SampleAbsQuantile: return "sample_abs_quantile";
    }
    return "unknown";
}

bool is_per_sample(ReducerKind kind) {
    switch (kind) {
        case ReducerKind::SampleMin:
        case ReducerKind::SampleMax:
        case ReducerKind::SampleAbsMax:
        case ReducerKind::SampleQuantileLow:
        case ReducerKind::SampleQuantileHigh:
        case ReducerKind::SampleAbsQuantile: return true;
        default: return false;
    }
}

namespace {

bool uses_quantile(ReducerKind kind) {
    switch (kind) {
        case ReducerKind::MeanQuantileLow:
        case ReducerKind::MeanQuantileHigh:
        case ReducerKind::SampleQuantileLow:
        case ReducerKind::SampleQuantileHigh:
        case ReducerKind::SampleAbsQuantile: return true;
        default: return false;
    }
}

}  // namespace

std::string StatisticRequest::key() const {
    std::string k = str_cat(value, "|", reducer_name(reducer), "|", axis);
    if (uses_quantile(reducer)) k += str_cat("|", quantile);
    if (reducer == ReducerKind::Histogram) {
        // Full precision: two ranges that print alike at 6 digits are still different requests.
        std::ostringstream spec;
        spec.precision(17);
        spec << "|" << histogram.low << "|" << histogram.high << "|" << histogram.bins;
        k += spec.str();
    }
    return k;
}

const Tensor& Statistics::get(const StatisticRequest& request) const {
    auto it = values_.find(request.key());
    POT_CHECK(it != values_.end(), "statistic '", reducer_name(request.reducer), "' of value '",
              request.value, "' (axis ", request.axis, ") was not collected");
    return it->second;
}

void Statistics::merge(const Statistics& other) {
    for (const auto& [k, v] : other.values_) values_[k] = v;
}

std::vector<StatisticRequest> unique_requests(const std::vector<StatisticRequest>& requests) {
    std::vector<StatisticRequest> out;
    std::set<std::string> seen;
    for (const auto& r : requests)
        if (seen.insert(r.key()).second) out.push_back(r);
    return out;
}

namespace {

// Splits a batch into per-sample, per-channel groups: element i of sample b belongs to channel
// (i / inner) % channels. With axis < 0 there is a single channel.
struct Layout : ChannelWalk {
    int64_t batch = 1, per_sample = 1;
    Layout(const Shape& shape, int64_t axis, const std::string& what)
        : ChannelWalk(shape, checked_axis(shape, axis, what)),
          batch(shape.at(0)),
          per_sample(batch ? shape_numel(shape) / batch : 0) {}
    /// Calls f(channel, run, length) for every contiguous run of one channel within a sample.
    template <typename F>
    void for_each_sample_run(const float* sample, F&& f) const {
        for_each_run(per_sample, [&](size_t c, int64_t first, int64_t count) { f(c, sample + first, count); });
    }

private:
    static int64_t checked_axis(const Shape& shape, int64_t axis, const std::string& what) {
        const auto rank = static_cast<int64_t>(shape.size());
        POT_CHECK(rank >= 1, "statistic '", what, "' needs a batched tensor, got a scalar");
        POT_CHECK(axis < 0 || (axis >= 1 && axis < rank), "statistic '", what, "': channel axis ", axis,
                  " is out of range for shape ", shape_str(shape));
        return axis;
    }
};

struct RunSummary {
    float min = std::numeric_limits<float>::infinity();
    float max = -std::numeric_limits<float>::infinity();
    double sum = 0.0;

    void fold(const RunSummary& o) {
        min = std::min(min, o.min);
        max = std::max(max, o.max);
        sum += o.sum;
    }
    float abs_max() const { return std::max({0.0f, -min, max}); }
};

// The minimum, maximum and sum of one contiguous run, in one read of it. The run is taken as rows
// of kLanes values whose running minima, maxima and sums stay in kLanes independent lanes (several
// vector registers, so consecutive vectors do not wait for each other's result), folded at the
// end; the comparisons skip NaNs (the sum does not). The loops are OpenMP SIMD (compiled with
// -fopenmp-simd; no OpenMP runtime). See vector_clones.hpp.
POT_VECTOR_CLONES RunSummary summarize_run(const float* p, int64_t n) {
    constexpr int64_t kLanes = 64;
    float lo[kLanes], hi[kLanes];
    double sum[kLanes];
    for (int64_t j = 0; j < kLanes; ++j) {
        lo[j] = std::numeric_limits<float>::infinity();
        hi[j] = -std::numeric_limits<float>::infinity();
        sum[j] = 0.0;
    }
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
        const float* x = p + i;
#pragma omp simd
        for (int64_t j = 0; j < kLanes; ++j) {
            lo[j] = x[j] < lo[j] ? x[j] : lo[j];
            hi[j] = x[j] > hi[j] ? x[j] : hi[j];
            sum[j] += x[j];
        }
    }
    for (int64_t j = 0; i < n; ++i, ++j) {
        lo[j] = p[i] < lo[j] ? p[i] : lo[j];
        hi[j] = p[i] > hi[j] ? p[i] : hi[j];
        sum[j] += p[i];
    }
    RunSummary out;
    for (int64_t j = 0; j < kLanes; ++j) out.fold(RunSummary{lo[j], hi[j], sum[j]});
    return out;
}

// The same per channel of `rows` rows of `channels` values each (channels innermost, as in a
// channels-last tensor), folded into lo, hi and sum. Channels go in chunks of one vector's width,
// each chunk down all the rows, kWays rows at a time into kWays independent sets of running
// values held in registers (the tensor is still read once: a chunk of a row is a cache line of
// its own); the channels left over are swept row by row.
POT_VECTOR_CLONES void summarize_rows(const float* p, int64_t rows, int64_t channels, float* lo, float* hi,
                                      double* sum) {
    constexpr int64_t kChunk = 16, kWays = 4, kLanes = kChunk * kWays;
    int64_t first = 0;
    for (; first + kChunk <= channels; first += kChunk) {
        float l[kLanes], h[kLanes];  // lane w * kChunk + i: channel first + i of rows r = w (mod kWays)
        double s[kLanes];
        for (int64_t j = 0; j < kLanes; ++j) {
            l[j] = std::numeric_limits<float>::infinity();
            h[j] = -std::numeric_limits<float>::infinity();
            s[j] = 0.0;
        }
        int64_t r = 0;
        for (; r + kWays <= rows; r += kWays) {
            for (int64_t w = 0; w < kWays; ++w) {
                const float* x = p + (r + w) * channels + first;
                float* lw = l + w * kChunk;
                float* hw = h + w * kChunk;
                double* sw = s + w * kChunk;
#pragma omp simd
                for (int64_t i = 0; i < kChunk; ++i) {
                    lw[i] = x[i] < lw[i] ? x[i] : lw[i];
                    hw[i] = x[i] > hw[i] ? x[i] : hw[i];
                    sw[i] += x[i];
                }
            }
        }
        for (; r < rows; ++r) {
            const float* x = p + r * channels + first;
            for (int64_t i = 0; i < kChunk; ++i) {
                l[i] = x[i] < l[i] ? x[i] : l[i];
                h[i] = x[i] > h[i] ? x[i] : h[i];
                s[i] += x[i];
            }
        }
        for (int64_t i = 0; i < kChunk; ++i) {
            for (int64_t w = 0; w < kWays; ++w) {
                const int64_t j = w * kChunk + i;
                lo[first + i] = l[j] < lo[first + i] ? l[j] : lo[first + i];
                hi[first + i] = h[j] > hi[first + i] ? h[j] : hi[first + i];
                sum[first + i] += s[j];
            }
        }
    }
    if (first == channels) return;
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = p + r * channels;
#pragma omp simd
        for (int64_t c = first; c < channels; ++c) {
            lo[c] = row[c] < lo[c] ? row[c] : lo[c];
            hi[c] = row[c] > hi[c] ? row[c] : hi[c];
            sum[c] += row[c];
        }
    }
}

// Whether any row[i] comes before bar[i] (below it for `below`, else above it), for the row
// scans of quantiles near either end. Comparisons with a NaN are false.
POT_VECTOR_CLONES bool any_past(const float* row, const float* bar, int64_t n, bool below) {
    int hits = 0;
    if (below) {
#pragma omp simd reduction(+ : hits)
        for (int64_t i = 0; i < n; ++i) hits += row[i] < bar[i] ? 1 : 0;
    } else {
#pragma omp simd reduction(+ : hits)
        for (int64_t i = 0; i < n; ++i) hits += row[i] > bar[i] ? 1 : 0;
    }
    return hits > 0;
}

// One step of keeping each channel's k lowest (or highest) values sorted: where carry[c] comes
// before kept[c], the two trade places, so kept[c] takes the new value and carry[c] moves on to
// the next place with the one it displaced. A NaN carry never trades.
POT_VECTOR_CLONES void pass_down(float* carry, float* kept, int64_t n, bool low) {
    if (low) {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) {
            const float x = carry[i], y = kept[i];
            const bool take = x < y;
            kept[i] = take ? x : y;
            carry[i] = take ? y : x;
        }
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) {
            const float x = carry[i], y = kept[i];
            const bool take = x > y;
            kept[i] = take ? x : y;
            carry[i] = take ? y : x;
        }
    }
}

bool is_sweep_kind(ReducerKind kind) {
    switch (kind) {
        case ReducerKind::Min:
        case ReducerKind::Max:
        case ReducerKind::AbsMax:
        case ReducerKind::MeanMin:
        case ReducerKind::MeanMax:
        case ReducerKind::Mean: return true;
        default: return false;
    }
}

// F32 view of a batch: the tensor itself, or a converted copy kept in `storage`.
const Tensor& as_f32(const Tensor& batch, Tensor& storage) {
    if (batch.dtype() == DType::F32) return batch;
    storage = batch.cast(DType::F32);
    return storage;
}

// A reducer that reads batches of f32 values in place, wherever they are stored (a Tensor, or an
// engine's own buffer through ValueReducer::update(data, shape)).
class ViewReducer : public Reducer {
public:
    /// Folds in `shape`'s elements, row-major at `x`; read only during the call.
    virtual void update_view(const float* x, const Shape& shape) = 0;
    void update(const Tensor& batch) final {
        Tensor storage;
        const Tensor& src = as_f32(batch, storage);
        update_view(src.data<float>(), src.shape());
    }
};

// Every min / max / abs-max / mean statistic of one value that keeps the same channel axis (or
// none): one read of each sample yields a summary per channel, and each statistic folds its
// number from those summaries. Statistics without a channel axis ride along with a per-channel
// sweep by folding the channel summaries of each sample.
class SweepGroup {
public:
    SweepGroup(int64_t axis, std::vector<StatisticRequest> requests)
        : axis_(axis), requests_(std::move(requests)), acc_(requests_.size()), count_(requests_.size()) {}

    void update(const float* x, const Shape& shape) {
        const Layout layout(shape, axis_, requests_.front().key());
        const auto channels = static_cast<size_t>(layout.channels);
        if (!started_) {
            for (size_t r = 0; r < requests_.size(); ++r) {
                const size_t n = requests_[r].axis < 0 ? 1 : channels;
                acc_[r].assign(n, initial(requests_[r].reducer));
                count_[r].assign(n, 0.0);
            }
            channels_ = channels;
            started_ = true;
        }
        POT_CHECK(channels == channels_, "statistic '", requests_.front().key(), "' saw ", channels,
                  " channels after ", channels_);
        const double per_channel = static_cast<double>(layout.per_sample) / static_cast<double>(channels);
        summary_.resize(channels);  // per channel of the current sample
        for (int64_t b = 0; b < layout.batch; ++b) {
            std::fill(summary_.begin(), summary_.end(), RunSummary{});
            if (layout.inner == 1 && channels > 1) {
                // Channels innermost: runs of one value each; sweep whole rows instead.
                lo_.assign(channels, std::numeric_limits<float>::infinity());
                hi_.assign(channels, -std::numeric_limits<float>::infinity());
                sum_.assign(channels, 0.0);
                summarize_rows(x + b * layout.per_sample, layout.per_sample / layout.channels, layout.channels,
                               lo_.data(), hi_.data(), sum_.data());
                for (size_t c = 0; c < channels; ++c) summary_[c] = RunSummary{lo_[c], hi_[c], sum_[c]};
            } else {
                layout.for_each_sample_run(x + b * layout.per_sample, [&](size_t c, const float* run, int64_t n) {
                    summary_[c].fold(summarize_run(run, n));
                });
            }
            RunSummary whole;
            for (const auto& s : summary_) whole.fold(s);
            for (size_t r = 0; r < requests_.size(); ++r) {
                if (requests_[r].axis < 0) {
                    combine(r, 0, whole, static_cast<double>(layout.per_sample));
                } else {
                    for (size_t c = 0; c < channels; ++c) combine(r, c, summary_[c], per_channel);
                }
            }
        }
    }

    Tensor result(size_t r) const {
        const auto& request = requests_[r];
        POT_CHECK(started_, "statistic '", request.key(), "' saw no data");
        const bool averaged = request.reducer == ReducerKind::MeanMin ||
                              request.reducer == ReducerKind::MeanMax || request.reducer == ReducerKind::Mean;
        std::vector<float> out(acc_[r].size());
        for (size_t c = 0; c < out.size(); ++c)
            out[c] = static_cast<float>(averaged ? acc_[r][c] / std::max(count_[r][c], 1.0) : acc_[r][c]);
        if (request.axis < 0) return Tensor::scalar(out[0]);
        return Tensor::from_vector<float>({static_cast<int64_t>(out.size())}, out);
    }

private:
    static double initial(ReducerKind kind) {
        switch (kind) {
            case ReducerKind::Min: return std::numeric_limits<double>::infinity();
            case ReducerKind::Max: return -std::numeric_limits<double>::infinity();
            default: return 0.0;
        }
    }
    // Folds one sample's summary of a channel (`elements` values) into statistic r.
    void combine(size_t r, size_t c, const RunSummary& s, double elements) {
        double& acc = acc_[r][c];
        switch (requests_[r].reducer) {
            case ReducerKind::Min: acc = std::min(acc, static_cast<double>(s.min)); break;
            case ReducerKind::Max: acc = std::max(acc, static_cast<double>(s.max)); break;
            case ReducerKind::AbsMax: acc = std::max(acc, static_cast<double>(s.abs_max())); break;
            case ReducerKind::MeanMin:
                acc += s.min;
                count_[r][c] += 1;
                break;
            case ReducerKind::MeanMax:
                acc += s.max;
                count_[r][c] += 1;
                break;
            default:  // Mean
                acc += s.sum;
                count_[r][c] += elements;
        }
    }

    int64_t axis_;
    std::vector<StatisticRequest> requests_;
    std::vector<std::vector<double>> acc_;
    std::vector<std::vector<double>> count_;
    size_t channels_ = 0;
    bool started_ = false;
    std::vector<RunSummary> summary_;
    std::vector<float> lo_, hi_;  // channels-innermost sweeps
    std::vector<double> sum_;
};

class SweepReducer : public ViewReducer {
public:
    explicit SweepReducer(const StatisticRequest& request) : group_(request.axis, {request}) {}
    void update_view(const float* x, const Shape& shape) override { group_.update(x, shape); }
    Tensor result() const override { return group_.result(0); }

private:
    SweepGroup group_;
};

// Each sample's own statistic per channel (or per tensor): its quantile, minimum, maximum or
// quantile of |x|. The Mean* kinds average them over samples as they come; the Sample* kinds keep
// one row per sample.
class SampleReducer : public ViewReducer {
public:
    explicit SampleReducer(StatisticRequest request)
        : request_(std::move(request)), keep_rows_(is_per_sample(request_.reducer)) {}

    void update_view(const float* x, const Shape& shape) override {
        const Layout layout(shape, request_.axis, request_.key());
        const auto channels = static_cast<size_t>(layout.channels);
        if (samples_ == 0) {
            channels_ = channels;
            acc_.assign(channels, 0.0);
        }
        POT_CHECK(channels_ == channels, "statistic '", request_.key(), "' saw ", channels,
                  " channels after ", channels_);
        // A channel that is one contiguous run (NC... layouts, or per tensor) is read in place.
        const bool contiguous = layout.channels * layout.inner == layout.per_sample;
        std::vector<std::vector<float>> values;
        std::vector<double> per_channel(channels);
        for (int64_t b = 0; b < layout.batch; ++b) {
            const float* sample = x + b * layout.per_sample;
            if (contiguous) {
                for (size_t c = 0; c < channels; ++c)
                    per_channel[c] = statistic_of(sample + static_cast<int64_t>(c) * layout.inner, layout.inner);
            } else if (layout.inner == 1) {
                channels_innermost(sample, layout.per_sample / layout.channels, per_channel, values);
            } else {
                values.assign(channels, {});
                layout.for_each_sample_run(sample, [&](size_t c, const float* run, int64_t n) {
                    values[c].insert(values[c].end(), run, run + n);
                });
                for (size_t c = 0; c < channels; ++c)
                    per_channel[c] = statistic_of(values[c].data(), static_cast<int64_t>(values[c].size()));
            }
            for (size_t c = 0; c < channels; ++c) {
                if (keep_rows_) {
                    rows_.push_back(static_cast<float>(per_channel[c]));
                } else {
                    acc_[c] += per_channel[c];
                }
            }
            ++samples_;
        }
    }

    Tensor result() const override {
        POT_CHECK(channels_ > 0 && samples_ > 0, "statistic '", request_.key(), "' saw no data");
        if (keep_rows_) {
            if (request_.axis < 0) return Tensor::from_vector<float>({samples_}, rows_);
            return Tensor::from_vector<float>({samples_, static_cast<int64_t>(channels_)}, rows_);
        }
        std::vector<float> out(acc_.size());
        for (size_t c = 0; c < acc_.size(); ++c) out[c] = static_cast<float>(acc_[c] / static_cast<double>(samples_));
        if (request_.axis < 0) return Tensor::scalar(out[0]);
        return Tensor::from_vector<float>({static_cast<int64_t>(out.size())}, out);
    }

private:
    double statistic_of(const float* p, int64_t n) {
        POT_CHECK(n > 0, "statistic '", request_.key(), "' saw an empty channel");
        switch (request_.reducer) {
            case ReducerKind::SampleMin: return summarize_run(p, n).min;
            case ReducerKind::SampleMax: return summarize_run(p, n).max;
            case ReducerKind::SampleAbsMax: return summarize_run(p, n).abs_max();
            case ReducerKind::MeanQuantileLow:
            case ReducerKind::SampleQuantileLow: return quantile_of(p, n, request_.quantile);
            case ReducerKind::SampleAbsQuantile: {
                magnitudes_.resize(static_cast<size_t>(n));
                for (int64_t i = 0; i < n; ++i) magnitudes_[static_cast<size_t>(i)] = std::fabs(p[i]);
                return quantile_of(magnitudes_.data(), n, 1.0 - request_.quantile);
            }
            default: return quantile_of(p, n, 1.0 - request_.quantile);
        }
    }

    // Where the q-quantile of n values lies, interpolating linearly between the order statistics
    // lo and hi (0-based, ascending; numpy's default).
    struct Position {
        int64_t lo, hi;
        double frac;
        double at(double a, double b) const { return a + (b - a) * frac; }
    };
    static Position position(int64_t n, double q) {
        const double pos = q * static_cast<double>(n - 1);
        const auto lo = static_cast<int64_t>(std::floor(pos));
        return {lo, std::min(lo + 1, n - 1), pos - static_cast<double>(lo)};
    }
    static constexpr int64_t kFew = 16;

    // The q-quantile of p[0, n).
    double quantile_of(const float* p, int64_t n, double q) {
        const Position at = position(n, q);
        const auto [a, b] = order_statistics(p, n, at.lo, at.hi);
        return at.at(a, b);
    }

    // Order statistics lo <= hi (0-based, ascending) of p[0, n). Quantiles near 0 or 1 need only
    // a few of the smallest or largest values, found in one read that keeps them sorted; others
    // select on a copy.
    std::pair<double, double> order_statistics(const float* p, int64_t n, int64_t lo, int64_t hi) {
        if (hi < kFew) {
            const auto few = extremes(p, n, hi + 1, std::less<float>());
            return {few[static_cast<size_t>(lo)], few[static_cast<size_t>(hi)]};
        }
        if (n - 1 - lo < kFew) {
            const auto few = extremes(p, n, n - lo, std::greater<float>());
            return {few[static_cast<size_t>(n - 1 - lo)], few[static_cast<size_t>(n - 1 - hi)]};
        }
        scratch_.assign(p, p + n);
        std::nth_element(scratch_.begin(), scratch_.begin() + lo, scratch_.end());
        const double a = scratch_[static_cast<size_t>(lo)];
        const double b = hi == lo ? a : *std::min_element(scratch_.begin() + hi, scratch_.end());
        return {a, b};
    }

    // The k values of p[0, n) that come first under `before` (k <= n), in that order; NaNs are
    // passed over (their places, if any, hold infinities).
    template <typename Before>
    static std::vector<float> extremes(const float* p, int64_t n, int64_t k, Before before) {
        std::vector<float> few(static_cast<size_t>(k), sentinel(before));
        float* const last = few.data() + k - 1;
        for (int64_t i = 0; i < n; ++i) {
            const float x = p[i];
            if (!before(x, *last)) continue;  // false for a NaN
            float* at = std::upper_bound(few.data(), last, x, before);
            std::move_backward(at, last, last + 1);
            *at = x;
        }
        return few;
    }
    template <typename Before>
    static float sentinel(Before) {
        return std::is_same_v<Before, std::less<float>> ? std::numeric_limits<float>::infinity()
                                                         : -std::numeric_limits<float>::infinity();
    }

    // extremes() of every channel of `rows` rows of `channels` values (channels innermost) at
    // once, into few_ as k rows of `channels` values (few_[j * channels + c] is channel c's j-th).
    template <typename Before>
    void row_extremes(const float* p, int64_t rows, int64_t channels, int64_t k, Before before) {
        const bool low = std::is_same_v<Before, std::less<float>>;
        few_.assign(static_cast<size_t>(channels * k), sentinel(before));
        carry_.resize(static_cast<size_t>(channels));
        const float* kth = few_.data() + (k - 1) * channels;
        for (int64_t r = 0; r < rows; ++r) {
            const float* row = p + r * channels;
            if (!any_past(row, kth, channels, low)) continue;
            std::copy(row, row + channels, carry_.begin());
            for (int64_t j = 0; j < k; ++j) pass_down(carry_.data(), few_.data() + j * channels, channels, low);
        }
    }

    // Each channel's statistic of one sample stored channels innermost (`rows` rows): minima and
    // maxima in one sweep of the rows, quantiles near either end by row_extremes(); the rest
    // gathers each channel's values first.
    void channels_innermost(const float* sample, int64_t rows, std::vector<double>& out,
                            std::vector<std::vector<float>>& values) {
        const auto channels = static_cast<int64_t>(out.size());
        const auto kind = request_.reducer;
        POT_CHECK(rows > 0, "statistic '", request_.key(), "' saw an empty channel");
        if (kind == ReducerKind::SampleMin || kind == ReducerKind::SampleMax || kind == ReducerKind::SampleAbsMax) {
            lo_.assign(out.size(), std::numeric_limits<float>::infinity());
            hi_.assign(out.size(), -std::numeric_limits<float>::infinity());
            sum_.assign(out.size(), 0.0);
            summarize_rows(sample, rows, channels, lo_.data(), hi_.data(), sum_.data());
            for (size_t c = 0; c < out.size(); ++c) {
                const RunSummary s{lo_[c], hi_[c], 0.0};
                out[c] = kind == ReducerKind::SampleMin ? s.min : kind == ReducerKind::SampleMax ? s.max : s.abs_max();
            }
            return;
        }
        if (kind != ReducerKind::SampleAbsQuantile) {
            const bool low = kind == ReducerKind::MeanQuantileLow || kind == ReducerKind::SampleQuantileLow;
            const Position at = position(rows, low ? request_.quantile : 1.0 - request_.quantile);
            // The j-th kept value of channel c.
            const auto kept = [&](int64_t j, size_t c) { return few_[static_cast<size_t>(j * channels) + c]; };
            if (at.hi < kFew) {
                row_extremes(sample, rows, channels, at.hi + 1, std::less<float>());
                for (size_t c = 0; c < out.size(); ++c) out[c] = at.at(kept(at.lo, c), kept(at.hi, c));
                return;
            }
            if (rows - 1 - at.lo < kFew) {
                row_extremes(sample, rows, channels, rows - at.lo, std::greater<float>());
                for (size_t c = 0; c < out.size(); ++c)
                    out[c] = at.at(kept(rows - 1 - at.lo, c), kept(rows - 1 - at.hi, c));
                return;
            }
        }
        values.resize(out.size());
        for (auto& v : values) v.resize(static_cast<size_t>(rows));
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < channels; ++c)
                values[static_cast<size_t>(c)][static_cast<size_t>(r)] = sample[r * channels + c];
        for (size_t c = 0; c < out.size(); ++c) out[c] = statistic_of(values[c].data(), rows);
    }

    StatisticRequest request_;
    bool keep_rows_;
    size_t channels_ = 0;
    std::vector<double> acc_;    // Mean* kinds: the sum over samples, per channel
    std::vector<float> rows_;    // Sample* kinds: [samples, channels]
    int64_t samples_ = 0;
    std::vector<float> scratch_;
    std::vector<float> magnitudes_;
    std::vector<float> few_, carry_;  // row_extremes(): the kept values, and a row on its way down
    std::vector<float> lo_, hi_;  // channels-innermost minima and maxima
    std::vector<double> sum_;
};

// Counts every element into fixed bins as batches pass, so memory is one counter per bin.
class HistogramReducer : public ViewReducer {
public:
    explicit HistogramReducer(StatisticRequest request)
        : request_(std::move(request)), counts_(static_cast<size_t>(request_.histogram.bins), 0) {}

    void update_view(const float* x, const Shape& shape) override {
        const int64_t n = shape_numel(shape);
        const double low = request_.histogram.low;
        const double bins_per_unit =
            static_cast<double>(request_.histogram.bins) / (request_.histogram.high - low);
        const double last = static_cast<double>(request_.histogram.bins - 1);
        for (int64_t i = 0; i < n; ++i) {
            if (std::isnan(x[i])) continue;
            const double bin = std::clamp(std::floor((x[i] - low) * bins_per_unit), 0.0, last);
            ++counts_[static_cast<size_t>(bin)];
        }
        seen_ = true;
    }

    Tensor result() const override {
        POT_CHECK(seen_, "statistic '", request_.key(), "' saw no data");
        return Tensor::from_vector<int64_t>({request_.histogram.bins}, counts_);
    }

private:
    StatisticRequest request_;
    std::vector<int64_t> counts_;
    bool seen_ = false;
};

std::unique_ptr<ViewReducer> make_view_reducer(const StatisticRequest& request) {
    POT_CHECK(request.quantile >= 0.0 && request.quantile <= 0.5, "statistic quantile must be in "
              "[0, 0.5], got ", request.quantile);
    if (request.reducer == ReducerKind::Histogram) {
        const auto& h = request.histogram;
        POT_CHECK(request.axis < 0, "histogram of value '", request.value,
                  "' is per tensor; got axis ", request.axis);
        POT_CHECK(h.bins > 0 && std::isfinite(h.low) && std::isfinite(h.high) && h.high > h.low,
                  "histogram of value '", request.value, "' needs bins > 0 and a finite range with "
                  "low < high; got ", h.bins, " bins over [", h.low, ", ", h.high, "]");
        return std::make_unique<HistogramReducer>(request);
    }
    if (is_sweep_kind(request.reducer)) return std::make_unique<SweepReducer>(request);
    return std::make_unique<SampleReducer>(request);
}

}  // namespace

std::unique_ptr<Reducer> make_reducer(const StatisticRequest& request) { return make_view_reducer(request); }

struct ValueReducer::Impl {
    std::vector<StatisticRequest> requests;
    std::vector<SweepGroup> groups;
    std::vector<std::unique_ptr<ViewReducer>> singles;
    struct Where {
        bool in_group;
        size_t part, index;
    };
    std::vector<Where> where;  // per request
};

ValueReducer::ValueReducer(const std::vector<StatisticRequest>& requests) : impl_(std::make_unique<Impl>()) {
    POT_CHECK(!requests.empty(), "ValueReducer needs at least one statistic");
    impl_->requests = requests;
    // Per-tensor sweep statistics join the first per-channel sweep, if there is one.
    std::optional<int64_t> channel_axis;
    for (const auto& r : requests) {
        POT_CHECK(r.value == requests.front().value, "ValueReducer: statistics of '", r.value,
                  "' and '", requests.front().value, "' mixed; one reducer serves one value");
        if (is_sweep_kind(r.reducer) && r.axis >= 0 && !channel_axis) channel_axis = r.axis;
    }
    std::vector<std::pair<int64_t, std::vector<StatisticRequest>>> by_axis;
    for (const auto& r : requests) {
        if (!is_sweep_kind(r.reducer)) {
            impl_->where.push_back({false, impl_->singles.size(), 0});
            impl_->singles.push_back(make_view_reducer(r));
            continue;
        }
        const int64_t axis = r.axis < 0 && channel_axis ? *channel_axis : r.axis;
        auto it = std::find_if(by_axis.begin(), by_axis.end(), [&](const auto& g) { return g.first == axis; });
        if (it == by_axis.end()) it = by_axis.insert(by_axis.end(), {axis, {}});
        impl_->where.push_back({true, static_cast<size_t>(it - by_axis.begin()), it->second.size()});
        it->second.push_back(r);
    }
    for (auto& [axis, group] : by_axis) impl_->groups.emplace_back(axis, std::move(group));
}

ValueReducer::~ValueReducer() = default;

const std::vector<StatisticRequest>& ValueReducer::requests() const { return impl_->requests; }

void ValueReducer::update(const Tensor& tensor) {
    Tensor storage;  // converted once here rather than by every part
    const Tensor& batch = as_f32(tensor, storage);
    update(batch.data<float>(), batch.shape());
}

void ValueReducer::update(const float* data, const Shape& shape) {
    const int64_t numel = shape_numel(shape);
    auto& groups = impl_->groups;
    auto& singles = impl_->singles;
    const size_t parts = groups.size() + singles.size();
    const auto run = [&](size_t i) {
        if (i < groups.size()) {
            groups[i].update(data, shape);
        } else {
            singles[i - groups.size()]->update_view(data, shape);
        }
    };
    // Waking worker threads costs more than reducing a small tensor a few times.
    constexpr int64_t kParallelWork = int64_t{1} << 18;
    if (parts < 2 || numel * static_cast<int64_t>(parts) < kParallelWork) {
        for (size_t i = 0; i < parts; ++i) run(i);
        return;
    }
    tbb::parallel_for(size_t{0}, parts, run);
}

Tensor ValueReducer::result(size_t i) const {
    POT_CHECK(i < impl_->where.size(), "ValueReducer: no statistic #", i);
    const auto& w = impl_->where[i];
    return w.in_group ? impl_->groups[w.part].result(w.index) : impl_->singles[w.part]->result();
}

}  // namespace pot
