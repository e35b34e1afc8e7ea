#include "range_mse.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pot::min_max {

double abs_quantization_mse(const AbsHistogram& hist, double threshold, int64_t q_max) {
    const double total = hist.total();
    if (total <= 0.0 || threshold <= 0.0) return total > 0.0 ? hist.mean_square() : 0.0;
    const double scale = threshold / static_cast<double>(q_max);
    const double top = static_cast<double>(q_max);
    double sum = 0.0;
    for (size_t i = 0; i < hist.bins(); ++i) {
        if (hist.counts[i] == 0.0) continue;
        const double x = hist.center(i);
        const double q = std::min(std::nearbyint(x / scale), top) * scale;
        sum += hist.counts[i] * (x - q) * (x - q);
    }
    return sum / total;
}

double mse_threshold(const AbsHistogram& hist, int64_t q_max) {
    size_t best = hist.bins();
    double best_error = std::numeric_limits<double>::infinity();
    for (size_t kept = 1; kept <= hist.bins(); ++kept) {
        const double error = abs_quantization_mse(hist, hist.edge(kept), q_max);
        if (error < best_error) {
            best_error = error;
            best = kept;
        }
    }
    return hist.edge(best);
}

}  // namespace pot::min_max
