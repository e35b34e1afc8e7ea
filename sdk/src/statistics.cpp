#include "pot/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

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
    }
    return "unknown";
}

std::string StatisticRequest::key() const {
    std::string k = str_cat(value, "|", reducer_name(reducer), "|", axis);
    if (reducer == ReducerKind::MeanQuantileLow || reducer == ReducerKind::MeanQuantileHigh)
        k += str_cat("|", quantile);
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
struct Layout {
    int64_t batch = 1, channels = 1, inner = 1, per_sample = 1;
    Layout(const Tensor& t, int64_t axis, const std::string& what) {
        POT_CHECK(t.rank() >= 1, "statistic '", what, "' needs a batched tensor, got a scalar");
        batch = t.dim(0);
        per_sample = batch ? t.numel() / batch : 0;
        if (axis >= 0) {
            POT_CHECK(axis >= 1 && axis < t.rank(), "statistic '", what, "': channel axis ", axis,
                      " is out of range for shape ", shape_str(t.shape()));
            channels = t.dim(axis);
            for (int64_t i = axis + 1; i < t.rank(); ++i) inner *= t.dim(i);
        }
    }
    /// Calls f(channel, run, length) for every contiguous run of one channel within a sample.
    template <typename F>
    void for_each_run(const float* sample, F&& f) const {
        if (per_sample <= 0) return;
        if (channels == 1) {
            f(size_t{0}, sample, per_sample);
            return;
        }
        const int64_t outer = per_sample / (channels * inner);
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t c = 0; c < channels; ++c)
                f(static_cast<size_t>(c), sample + (o * channels + c) * inner, inner);
    }
};

class ElementwiseReducer : public Reducer {
public:
    ElementwiseReducer(StatisticRequest request) : request_(std::move(request)) {}

    void update(const Tensor& batch_tensor) override {
        const Tensor t = batch_tensor.dtype() == DType::F32 ? Tensor() : batch_tensor.cast(DType::F32);
        const Tensor& src = batch_tensor.dtype() == DType::F32 ? batch_tensor : t;
        const Layout layout(src, request_.axis, request_.key());
        if (acc_.empty()) {
            acc_.assign(static_cast<size_t>(layout.channels), initial());
            count_.assign(static_cast<size_t>(layout.channels), 0.0);
        }
        POT_CHECK(static_cast<int64_t>(acc_.size()) == layout.channels, "statistic '",
                  request_.key(), "' saw ", layout.channels, " channels after ", acc_.size());
        const float* x = src.data<float>();
        std::vector<double> sample_acc(acc_.size());
        std::vector<std::vector<float>> values;  // per channel, for quantiles
        for (int64_t b = 0; b < layout.batch; ++b) {
            const float* s = x + b * layout.per_sample;
            if (is_quantile()) {
                values.assign(acc_.size(), {});
                layout.for_each_run(s, [&](size_t c, const float* run, int64_t n) {
                    values[c].insert(values[c].end(), run, run + n);
                });
                for (size_t c = 0; c < acc_.size(); ++c) {
                    acc_[c] += quantile_of(values[c]);
                    count_[c] += 1;
                }
                continue;
            }
            std::fill(sample_acc.begin(), sample_acc.end(), initial_sample());
            layout.for_each_run(s, [&](size_t c, const float* run, int64_t n) {
                sample_acc[c] = fold(sample_acc[c], reduce_run(run, n));
            });
            for (size_t c = 0; c < acc_.size(); ++c) combine(c, sample_acc[c],
                                                             static_cast<double>(layout.per_sample / layout.channels));
        }
    }

    Tensor result() const override {
        POT_CHECK(!acc_.empty(), "statistic '", request_.key(), "' saw no data");
        std::vector<float> out(acc_.size());
        for (size_t c = 0; c < acc_.size(); ++c) {
            const bool averaged = request_.reducer != ReducerKind::Min &&
                                  request_.reducer != ReducerKind::Max &&
                                  request_.reducer != ReducerKind::AbsMax;
            out[c] = static_cast<float>(averaged ? acc_[c] / std::max(count_[c], 1.0) : acc_[c]);
        }
        if (request_.axis < 0) return Tensor::scalar(out[0]);
        return Tensor::from_vector<float>({static_cast<int64_t>(out.size())}, out);
    }

private:
    bool is_quantile() const {
        return request_.reducer == ReducerKind::MeanQuantileLow ||
               request_.reducer == ReducerKind::MeanQuantileHigh;
    }
    double initial() const {
        switch (request_.reducer) {
            case ReducerKind::Min: return std::numeric_limits<double>::infinity();
            case ReducerKind::Max: return -std::numeric_limits<double>::infinity();
            default: return 0.0;
        }
    }
    double initial_sample() const {
        switch (request_.reducer) {
            case ReducerKind::Min:
            case ReducerKind::MeanMin: return std::numeric_limits<double>::infinity();
            case ReducerKind::Max:
            case ReducerKind::MeanMax: return -std::numeric_limits<double>::infinity();
            default: return 0.0;
        }
    }
    // The reduction of one contiguous run of a channel: min, max, max |x| or sum. The switch is
    // outside the loops so each loop is a plain reduction the compiler can vectorize.
    double reduce_run(const float* p, int64_t n) const {
        switch (request_.reducer) {
            case ReducerKind::Min:
            case ReducerKind::MeanMin: {
                float m = std::numeric_limits<float>::infinity();
                for (int64_t i = 0; i < n; ++i) m = p[i] < m ? p[i] : m;
                return m;
            }
            case ReducerKind::Max:
            case ReducerKind::MeanMax: {
                float m = -std::numeric_limits<float>::infinity();
                for (int64_t i = 0; i < n; ++i) m = p[i] > m ? p[i] : m;
                return m;
            }
            case ReducerKind::AbsMax: {
                float m = 0.0f;
                for (int64_t i = 0; i < n; ++i) m = std::fabs(p[i]) > m ? std::fabs(p[i]) : m;
                return m;
            }
            default: {  // Mean
                double sum = 0.0;
                for (int64_t i = 0; i < n; ++i) sum += p[i];
                return sum;
            }
        }
    }
    // Combines the reductions of two runs of the same channel.
    double fold(double acc, double run) const {
        switch (request_.reducer) {
            case ReducerKind::Min:
            case ReducerKind::MeanMin: return std::min(acc, run);
            case ReducerKind::Max:
            case ReducerKind::MeanMax:
            case ReducerKind::AbsMax: return std::max(acc, run);
            default: return acc + run;  // Mean
        }
    }
    void combine(size_t c, double sample_value, double elements) {
        switch (request_.reducer) {
            case ReducerKind::Min: acc_[c] = std::min(acc_[c], sample_value); break;
            case ReducerKind::Max:
            case ReducerKind::AbsMax: acc_[c] = std::max(acc_[c], sample_value); break;
            case ReducerKind::Mean:
                acc_[c] += sample_value;
                count_[c] += elements;
                break;
            default:  // per-sample value averaged over samples
                acc_[c] += sample_value;
                count_[c] += 1;
        }
    }
    double quantile_of(std::vector<float>& v) const {
        POT_CHECK(!v.empty(), "statistic '", request_.key(), "' saw an empty channel");
        const double q = request_.reducer == ReducerKind::MeanQuantileLow ? request_.quantile
                                                                          : 1.0 - request_.quantile;
        // Linear interpolation between order statistics (numpy's default).
        const double pos = q * static_cast<double>(v.size() - 1);
        const auto lo = static_cast<size_t>(std::floor(pos));
        const size_t hi = std::min(lo + 1, v.size() - 1);
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
        const double a = v[lo];
        double b = a;
        if (hi != lo) b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(hi), v.end());
        return a + (b - a) * (pos - static_cast<double>(lo));
    }

    StatisticRequest request_;
    std::vector<double> acc_;
    std::vector<double> count_;
};

// Counts every element into fixed bins as batches pass, so memory is one counter per bin.
class HistogramReducer : public Reducer {
public:
    explicit HistogramReducer(StatisticRequest request)
        : request_(std::move(request)), counts_(static_cast<size_t>(request_.histogram.bins), 0) {}

    void update(const Tensor& batch_tensor) override {
        const Tensor t = batch_tensor.dtype() == DType::F32 ? Tensor() : batch_tensor.cast(DType::F32);
        const Tensor& src = batch_tensor.dtype() == DType::F32 ? batch_tensor : t;
        const double low = request_.histogram.low;
        const double bins_per_unit =
            static_cast<double>(request_.histogram.bins) / (request_.histogram.high - low);
        const double last = static_cast<double>(request_.histogram.bins - 1);
        const float* x = src.data<float>();
        for (int64_t i = 0; i < src.numel(); ++i) {
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

}  // namespace

std::unique_ptr<Reducer> make_reducer(const StatisticRequest& request) {
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
    return std::make_unique<ElementwiseReducer>(request);
}

}  // namespace pot
