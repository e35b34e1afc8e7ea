#include "aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "pot/error.hpp"

namespace pot::min_max {

namespace {

double median_of_sorted(const std::vector<double>& sorted) {
    const size_t n = sorted.size();
    return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

double mean_of(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// The values of `sorted` within its [0.01, 0.99] quantiles.
std::vector<double> without_outliers(const std::vector<double>& sorted) {
    constexpr double kAlpha = 0.01;
    const double low = sorted_quantile(sorted, kAlpha);
    const double high = sorted_quantile(sorted, 1.0 - kAlpha);
    std::vector<double> kept;
    for (const double v : sorted)
        if (v >= low && v <= high) kept.push_back(v);
    return kept;
}

// How many pair sums x_i + x_j (i < j) of ascending `x` are at most t: one two-pointer sweep.
uint64_t pair_sums_at_most(const std::vector<double>& x, double t) {
    uint64_t count = 0;
    size_t j = x.size();
    for (size_t i = 0; i < x.size(); ++i) {
        while (j > 0 && x[i] + x[j - 1] > t) --j;
        // Partners of i are indexes in (i, j).
        if (j > i + 1) count += j - i - 1;
    }
    return count;
}

// The largest pair sum x_i + x_j (i < j) of ascending `x` that is at most t.
double largest_pair_sum_at_most(const std::vector<double>& x, double t) {
    double best = -INFINITY;
    size_t j = x.size();
    for (size_t i = 0; i < x.size(); ++i) {
        while (j > 0 && x[i] + x[j - 1] > t) --j;
        if (j > i + 1) best = std::max(best, x[i] + x[j - 1]);
    }
    return best;
}

// The k-th smallest (1-based) pair sum of ascending `x`, found by bisecting on the value: the
// pairs are never materialized, so n samples cost O(n) memory rather than O(n^2).
double kth_pair_sum(const std::vector<double>& x, uint64_t k) {
    double lo = 2.0 * x.front(), hi = 2.0 * x.back();  // count(lo) may be < k; count(hi) >= k
    for (int i = 0; i < 2200 && lo < hi; ++i) {  // enough to reach neighbouring doubles
        const double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi) break;
        if (pair_sums_at_most(x, mid) >= k) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    // hi is within rounding of the k-th sum; the largest sum not above it is that sum itself.
    return largest_pair_sum_at_most(x, hi);
}

double hodges_lehmann(const std::vector<double>& sorted) {
    const uint64_t n = sorted.size();
    // An infinite statistic makes the bound infinite, as the mean would.
    if (n == 1 || !std::isfinite(sorted.front()) || !std::isfinite(sorted.back())) return mean_of(sorted);
    const uint64_t pairs = n * (n - 1) / 2;
    const double upper = kth_pair_sum(sorted, pairs / 2 + 1);
    const double median = pairs % 2 ? upper : 0.5 * (kth_pair_sum(sorted, pairs / 2) + upper);
    return 0.5 * median;
}

}  // namespace

const std::vector<std::pair<std::string, Aggregator>>& aggregator_names() {
    static const std::vector<std::pair<std::string, Aggregator>> names = {
        {"mean", Aggregator::Mean},
        {"max", Aggregator::Max},
        {"min", Aggregator::Min},
        {"median", Aggregator::Median},
        {"mean_no_outliers", Aggregator::MeanNoOutliers},
        {"median_no_outliers", Aggregator::MedianNoOutliers},
        {"hl_estimator", Aggregator::HodgesLehmann}};
    return names;
}

double sorted_quantile(const std::vector<double>& sorted, double q) {
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

double aggregate(Aggregator how, std::vector<float> values) {
    std::vector<double> sorted;
    sorted.reserve(values.size());
    for (const float v : values)
        if (!std::isnan(v)) sorted.push_back(v);
    POT_CHECK(!sorted.empty(), "no sample statistic to aggregate");
    std::sort(sorted.begin(), sorted.end());
    switch (how) {
        case Aggregator::Mean: return mean_of(sorted);
        case Aggregator::Max: return sorted.back();
        case Aggregator::Min: return sorted.front();
        case Aggregator::Median: return median_of_sorted(sorted);
        case Aggregator::MeanNoOutliers: return mean_of(without_outliers(sorted));
        case Aggregator::MedianNoOutliers: return median_of_sorted(without_outliers(sorted));
        case Aggregator::HodgesLehmann: return hodges_lehmann(sorted);
    }
    return mean_of(sorted);
}

}  // namespace pot::min_max
