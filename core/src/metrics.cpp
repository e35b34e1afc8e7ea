#include "pot/core/metrics.hpp"

#include <cmath>

#include "pot/error.hpp"

namespace pot::core {

double OutcomeChanges::standard_error_points() const {
    return samples ? 100.0 * std::sqrt(static_cast<double>(fixed + broken)) / static_cast<double>(samples) : 0.0;
}

OutcomeChanges compare_scores(const std::vector<double>& first, const std::vector<double>& second,
                              bool higher_is_better) {
    POT_CHECK(first.size() == second.size(), "comparing scores of ", first.size(), " and ", second.size(), " samples");
    OutcomeChanges c;
    for (size_t i = 0; i < first.size(); ++i) {
        const bool better = higher_is_better ? second[i] > first[i] : second[i] < first[i];
        const bool worse = higher_is_better ? second[i] < first[i] : second[i] > first[i];
        c.fixed += better ? 1 : 0;
        c.broken += worse ? 1 : 0;
    }
    c.samples = static_cast<int64_t>(first.size());
    return c;
}

}  // namespace pot::core
