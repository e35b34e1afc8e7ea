#include "range_admm.hpp"

#include <algorithm>
#include <cmath>

#include "pot/error.hpp"

namespace pot::min_max {

namespace {

// Relative change of the scale below which the alternation has converged.
constexpr double kAdmmTolerance = 1e-9;

}  // namespace

double admm_threshold(const std::vector<double>& abs_values, const std::vector<double>& weights,
                      int64_t q_max, double start_threshold, int iterations) {
    POT_CHECK(abs_values.size() == weights.size(), "ADMM needs one weight per value; got ",
              abs_values.size(), " values and ", weights.size(), " weights");
    POT_CHECK(q_max >= 1, "ADMM needs at least one positive level, got q_max ", q_max);
    if (start_threshold <= 0.0) return 0.0;
    const double top = static_cast<double>(q_max);
    double scale = start_threshold / top;
    for (int it = 0; it < iterations; ++it) {
        double xq = 0.0, qq = 0.0;
        for (size_t i = 0; i < abs_values.size(); ++i) {
            const double q = std::min(std::nearbyint(abs_values[i] / scale), top);
            xq += weights[i] * abs_values[i] * q;
            qq += weights[i] * q * q;
        }
        if (qq <= 0.0) break;
        const double next = xq / qq;
        const bool converged = std::fabs(next - scale) <= kAdmmTolerance * scale;
        scale = next;
        if (converged) break;
    }
    return scale * top;
}

double admm_best_threshold(const std::vector<double>& abs_values, const std::vector<double>& weights,
                           int64_t q_max, double max_abs, int iterations) {
    double best = max_abs;
    double best_error = admm_quantization_mse(abs_values, weights, max_abs, q_max);
    double start = max_abs;
    for (int k = 0; k < kAdmmStarts; ++k, start /= 2.0) {
        const double t = admm_threshold(abs_values, weights, q_max, start, iterations);
        const double error = admm_quantization_mse(abs_values, weights, t, q_max);
        if (error < best_error) {
            best_error = error;
            best = t;
        }
    }
    return best;
}

double admm_threshold(const AbsHistogram& hist, int64_t q_max, int iterations) {
    std::vector<double> centers, counts;
    for (size_t i = 0; i < hist.bins(); ++i) {
        if (hist.counts[i] == 0.0) continue;
        centers.push_back(hist.center(i));
        counts.push_back(hist.counts[i]);
    }
    return admm_best_threshold(centers, counts, q_max, hist.edge(hist.bins()), iterations);
}

double admm_quantization_mse(const std::vector<double>& abs_values, const std::vector<double>& weights,
                             double threshold, int64_t q_max) {
    const double top = static_cast<double>(q_max);
    const double scale = threshold / top;
    double sum = 0.0, total = 0.0;
    for (size_t i = 0; i < abs_values.size(); ++i) {
        const double x = abs_values[i];
        const double q = scale > 0.0 ? std::min(std::nearbyint(x / scale), top) * scale : 0.0;
        sum += weights[i] * (x - q) * (x - q);
        total += weights[i];
    }
    return total > 0.0 ? sum / total : 0.0;
}

double admm_quantization_mse(const std::vector<double>& abs_values, double threshold, int64_t q_max) {
    return admm_quantization_mse(abs_values, std::vector<double>(abs_values.size(), 1.0), threshold, q_max);
}

}  // namespace pot::min_max
