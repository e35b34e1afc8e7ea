#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pot::min_max {

/// Counts of |x| in equal-width bins over [0, bin_width * counts.size()]: what the threshold
/// methods (KL, SYMKL, JSD, MSE, ACIQ, ADMM) search. Bin i covers [i * w, (i + 1) * w).
struct AbsHistogram {
    double bin_width = 0.0;
    std::vector<double> counts;

    size_t bins() const { return counts.size(); }
    double center(size_t i) const { return (static_cast<double>(i) + 0.5) * bin_width; }
    /// Upper edge of the first `kept` bins: the threshold that keeps them.
    double edge(size_t kept) const { return static_cast<double>(kept) * bin_width; }
    double total() const;
    /// Count-weighted mean of |x| and of x^2 over the bin centers.
    double mean_abs() const;
    double mean_square() const;
};

/// Folds a histogram of x over [-abs_max, abs_max] with an even number of bins (what the Histogram
/// reducer returns for that range) into |x| over [0, abs_max] with half as many bins. Exact except
/// for negative values that fall exactly on a bin edge (they count in the neighbouring bin).
AbsHistogram fold_to_abs(const std::vector<int64_t>& counts, double abs_max);

/// |x| of `values` in `bins` bins over [0, max |x|] (all in the first bin when every value is 0).
AbsHistogram abs_histogram_of(const std::vector<float>& values, size_t bins);

}  // namespace pot::min_max
