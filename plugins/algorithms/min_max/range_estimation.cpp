#include "range_estimation.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "range_aciq.hpp"
#include "range_admm.hpp"
#include "range_divergence.hpp"
#include "range_mse.hpp"

namespace pot::min_max {

namespace {

// The range of `value` from its first-pass statistics; nullopt when it is not finite.
std::optional<ValueRange> first_pass_range(const RangeEstimator& estimator, const std::string& value,
                                           const Statistics& stats) {
    const auto requests = range_first_pass_requests(estimator, value);
    // A per-sample statistic is folded by the bound's aggregator; the others are one number.
    const auto bound = [&](const StatisticRequest& request, Aggregator aggregator) {
        const Tensor& t = stats.get(request);
        return is_per_sample(request.reducer) ? static_cast<float>(aggregate(aggregator, t.to_floats()))
                                              : t.to_floats().at(0);
    };
    ValueRange r{bound(requests[0], estimator.low_aggregator), bound(requests[1], estimator.high_aggregator)};
    if (!estimator.needs_histogram()) {
        // The |x| statistics bound the range symmetrically.
        const auto is_abs = [](ReducerKind k) {
            return k == ReducerKind::AbsMax || k == ReducerKind::SampleAbsMax || k == ReducerKind::SampleAbsQuantile;
        };
        if (is_abs(estimator.low)) r.low = -r.low;
        if (estimator.high == ReducerKind::AbsMax) r.low = -r.high;
    }
    if (!std::isfinite(r.low) || !std::isfinite(r.high)) return std::nullopt;
    return r;
}

// POT's clipping_value: the low bound at least low_clip, the high bound at most high_clip.
void clip_range(const RangeEstimator& estimator, ValueRange& r) {
    if (estimator.low_clip) r.low = std::max(r.low, static_cast<float>(*estimator.low_clip));
    if (estimator.high_clip) r.high = std::min(r.high, static_cast<float>(*estimator.high_clip));
    if (r.high < r.low) r.high = r.low;  // clipped past each other: an empty range at the clip
}

double abs_max_of(const ValueRange& r) { return std::max(std::fabs(r.low), std::fabs(r.high)); }

}  // namespace

std::vector<StatisticRequest> range_first_pass_requests(const RangeEstimator& estimator,
                                                        const std::string& value) {
    if (estimator.needs_histogram())
        return {StatisticRequest{value, ReducerKind::Min, -1, estimator.outlier_prob},
                StatisticRequest{value, ReducerKind::Max, -1, estimator.outlier_prob}};
    return {StatisticRequest{value, estimator.low, -1, estimator.outlier_prob},
            StatisticRequest{value, estimator.high, -1, estimator.outlier_prob}};
}

StatisticRequest range_histogram_request(const RangeEstimator& estimator, const std::string& value,
                                         double abs_max) {
    StatisticRequest r{value, ReducerKind::Histogram, -1, estimator.outlier_prob};
    r.histogram = {-abs_max, abs_max, 2 * estimator.histogram_bins};
    return r;
}

double histogram_threshold(const RangeEstimator& estimator, const AbsHistogram& hist, int bits,
                           bool is_signed) {
    const int positive_bits = is_signed ? bits - 1 : bits;
    const int64_t q_max = (int64_t{1} << positive_bits) - 1;
    switch (estimator.method) {
        case RangeMethod::Kl: return divergence_threshold(hist, q_max + 1, Divergence::Kl);
        case RangeMethod::SymKl: return divergence_threshold(hist, q_max + 1, Divergence::SymmetricKl);
        case RangeMethod::Jsd: return divergence_threshold(hist, q_max + 1, Divergence::JensenShannon);
        case RangeMethod::Mse: return mse_threshold(hist, q_max);
        // ACIQ's bit count spans [-T, T]; non-negative values use only [0, T] at the same step.
        case RangeMethod::Aciq: return aciq_threshold(hist, estimator.aciq_prior, positive_bits + 1);
        case RangeMethod::Admm: return admm_threshold(hist, q_max, estimator.admm_iterations);
        case RangeMethod::Statistics: break;
    }
    return hist.edge(hist.bins());
}

std::map<std::string, ValueRange> estimate_activation_ranges(const Graph& graph,
                                                             const std::vector<std::string>& values,
                                                             const Statistics& stats,
                                                             HostServices& host,
                                                             const ActivationSettings& settings,
                                                             size_t subset_size,
                                                             const std::map<std::string, bool>& symmetric) {
    const RangeEstimator& estimator = settings.range;
    std::map<std::string, ValueRange> ranges;
    for (const auto& v : values)
        if (auto r = first_pass_range(estimator, v, stats)) ranges[v] = *r;
    if (!estimator.needs_histogram()) {
        for (auto& [value, range] : ranges) clip_range(estimator, range);
        return ranges;
    }

    std::vector<StatisticRequest> requests;
    for (const auto& [value, range] : ranges)
        if (abs_max_of(range) > 0.0) requests.push_back(range_histogram_request(estimator, value, abs_max_of(range)));
    if (requests.empty()) return ranges;
    const Statistics histograms = host.collect(graph, requests, subset_size);
    for (const auto& request : requests) {
        ValueRange& range = ranges[request.value];
        const auto counts = histograms.get(request).to_ints();
        const AbsHistogram hist = fold_to_abs(counts, request.histogram.high);
        const double t = histogram_threshold(estimator, hist, settings.bits, range.low < 0.0f);
        const auto threshold = static_cast<float>(t);
        const ValueRange clipped{std::max(range.low, -threshold), std::min(range.high, threshold)};
        const auto mode = symmetric.find(request.value);
        const bool is_symmetric = mode != symmetric.end() ? mode->second : settings.symmetric;
        if (estimator.method == RangeMethod::Mse && !is_symmetric) {
            // An asymmetric grid's step depends on both bounds: search them for the grid itself.
            const auto [lo, hi] = mse_affine_range(signed_histogram(counts, request.histogram.high),
                                                   int64_t{1} << settings.bits, {clipped.low, clipped.high});
            range = {std::max(range.low, static_cast<float>(lo)), std::min(range.high, static_cast<float>(hi))};
        } else {
            range = clipped;
        }
    }
    for (auto& [value, range] : ranges) clip_range(estimator, range);
    return ranges;
}

}  // namespace pot::min_max
