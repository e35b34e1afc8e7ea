#include "pot/core/statistics_mapping.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pot::core {

namespace {

// Statistics of a channel that an increasing affine map carries over value by value: the map of
// a minimum, maximum, mean or quantile is the minimum, maximum, mean or quantile of the map.
bool commutes_with_increasing_maps(ReducerKind kind) {
    switch (kind) {
        case ReducerKind::Min:
        case ReducerKind::Max:
        case ReducerKind::MeanMin:
        case ReducerKind::MeanMax:
        case ReducerKind::MeanQuantileLow:
        case ReducerKind::MeanQuantileHigh:
        case ReducerKind::Mean:
        case ReducerKind::SampleMin:
        case ReducerKind::SampleMax:
        case ReducerKind::SampleQuantileLow:
        case ReducerKind::SampleQuantileHigh: return true;
        default: return false;
    }
}

// Per-tensor statistics that follow from each sample's minimum and maximum.
bool from_sample_extremes(ReducerKind kind) {
    switch (kind) {
        case ReducerKind::Min:
        case ReducerKind::Max:
        case ReducerKind::AbsMax:
        case ReducerKind::MeanMin:
        case ReducerKind::MeanMax:
        case ReducerKind::SampleMin:
        case ReducerKind::SampleMax:
        case ReducerKind::SampleAbsMax: return true;
        default: return false;
    }
}

StatisticRequest source(const StatisticRequest& request, ReducerKind kind, int64_t axis) {
    StatisticRequest r;
    r.value = request.value;
    r.reducer = kind;
    r.axis = axis;
    return r;
}

// x -> scale[c] * x + offset[c] applied to each row of `values` (rows of `channels` numbers).
std::vector<float> map_rows(std::vector<float> values, const ChannelAffine& change) {
    const size_t channels = change.scale.size();
    for (size_t i = 0; i < values.size(); ++i)
        values[i] = change.scale[i % channels] * values[i] + change.offset[i % channels];
    return values;
}

// A per-tensor statistic from each sample's per-channel minima `lo` and maxima `hi` ([samples,
// channels]) after the change.
Tensor fold_sample_extremes(ReducerKind kind, const std::vector<float>& lo, const std::vector<float>& hi,
                            size_t channels) {
    const size_t samples = lo.size() / channels;
    std::vector<float> low(samples, std::numeric_limits<float>::infinity());
    std::vector<float> high(samples, -std::numeric_limits<float>::infinity());
    for (size_t s = 0; s < samples; ++s) {
        for (size_t c = 0; c < channels; ++c) {
            low[s] = std::min(low[s], lo[s * channels + c]);
            high[s] = std::max(high[s], hi[s * channels + c]);
        }
    }
    std::vector<float> abs(samples);
    for (size_t s = 0; s < samples; ++s) abs[s] = std::max(std::fabs(low[s]), std::fabs(high[s]));
    const auto rows = [&](const std::vector<float>& v) {
        return Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
    };
    const auto mean = [](const std::vector<float>& v) {
        double sum = 0.0;
        for (float x : v) sum += x;
        return static_cast<float>(sum / static_cast<double>(v.size()));
    };
    switch (kind) {
        case ReducerKind::Min: return Tensor::scalar(*std::min_element(low.begin(), low.end()));
        case ReducerKind::Max: return Tensor::scalar(*std::max_element(high.begin(), high.end()));
        case ReducerKind::AbsMax: return Tensor::scalar(*std::max_element(abs.begin(), abs.end()));
        case ReducerKind::MeanMin: return Tensor::scalar(mean(low));
        case ReducerKind::MeanMax: return Tensor::scalar(mean(high));
        case ReducerKind::SampleMin: return rows(low);
        case ReducerKind::SampleMax: return rows(high);
        default: return rows(abs);  // SampleAbsMax
    }
}

}  // namespace

std::vector<StatisticRequest> remap_sources(const StatisticRequest& request, int64_t axis) {
    if (request.axis == axis && commutes_with_increasing_maps(request.reducer)) return {request};
    if (request.axis >= 0) return {};
    if (from_sample_extremes(request.reducer))
        return {source(request, ReducerKind::SampleMin, axis), source(request, ReducerKind::SampleMax, axis)};
    if (request.reducer == ReducerKind::Mean) return {source(request, ReducerKind::Mean, axis)};
    return {};
}

std::optional<Tensor> remap_statistic(const StatisticRequest& request, const ChannelAffine& change,
                                      const Statistics& collected) {
    const auto sources = remap_sources(request, change.axis);
    const size_t channels = change.scale.size();
    if (sources.empty() || channels == 0 || change.offset.size() != channels) return std::nullopt;
    for (size_t c = 0; c < channels; ++c)
        if (!(change.scale[c] > 0.0f) || !std::isfinite(change.scale[c]) || !std::isfinite(change.offset[c]))
            return std::nullopt;
    std::vector<std::vector<float>> values;
    for (const auto& s : sources) {
        if (!collected.has(s)) return std::nullopt;
        const Tensor& t = collected.get(s);
        // Per channel: [channels]; per sample and channel: [samples, channels].
        if (t.rank() == 0 || t.dim(-1) != static_cast<int64_t>(channels)) return std::nullopt;
        values.push_back(map_rows(t.to_floats(), change));
        if (values.back().empty()) return std::nullopt;
    }
    if (request.axis >= 0) return Tensor::from_vector<float>(collected.get(sources[0]).shape(), values[0]);
    if (request.reducer == ReducerKind::Mean) {
        // Every channel holds as many elements, so the tensor's mean is the mean of the channels'.
        double sum = 0.0;
        for (float v : values[0]) sum += v;
        return Tensor::scalar(static_cast<float>(sum / static_cast<double>(channels)));
    }
    if (values[0].size() != values[1].size()) return std::nullopt;
    return fold_sample_extremes(request.reducer, values[0], values[1], channels);
}

}  // namespace pot::core
