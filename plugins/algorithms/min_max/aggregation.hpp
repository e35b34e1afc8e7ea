#pragma once

#include <string>
#include <vector>

namespace pot::min_max {

/// How one range bound folds the per-sample statistics of the calibration samples into one
/// number (POT's `aggregator`).
enum class Aggregator {
    Mean,              ///< arithmetic mean
    Max,               ///< largest sample statistic
    Min,               ///< smallest sample statistic
    Median,            ///< median (the mean of the two middle values for an even count)
    MeanNoOutliers,    ///< mean of the values within the 1% and 99% quantiles
    MedianNoOutliers,  ///< median of the values within the 1% and 99% quantiles
    HodgesLehmann,     ///< median of the pairwise means (x_i + x_j) / 2, i < j (hl_estimator)
};

/// POT's names: mean, max, min, median, mean_no_outliers, median_no_outliers, hl_estimator.
const std::vector<std::pair<std::string, Aggregator>>& aggregator_names();

/// Folds `values` (one per sample; NaNs are left out) with `how`. Throws when no value is left.
/// Memory and time stay O(n log n) for every aggregator, the Hodges-Lehmann one included.
double aggregate(Aggregator how, std::vector<float> values);

/// The q-quantile of sorted `values` (0 <= q <= 1), interpolating linearly between neighbours.
double sorted_quantile(const std::vector<double>& sorted, double q);

}  // namespace pot::min_max
