#pragma once

#include <cstdint>
#include <vector>

namespace pot::core {

/// How a second run's per-sample scores differ from a first's on the same samples: samples the
/// second scores higher (fixed) and lower (broken). For a right/wrong metric such as accuracy the
/// difference is (broken - fixed) / n and, with McNemar's reasoning, its standard error is
/// sqrt(fixed + broken) / n, which says whether a small drop is more than chance.
struct OutcomeChanges {
    int64_t fixed = 0, broken = 0, samples = 0;
    /// Standard error of the accuracy difference, in percentage points.
    double standard_error_points() const;
};
/// Compares two runs' per-sample scores, given in the same sample order; with `higher_is_better`
/// false, a lower score is the better one.
OutcomeChanges compare_scores(const std::vector<double>& first, const std::vector<double>& second,
                              bool higher_is_better = true);

}  // namespace pot::core
