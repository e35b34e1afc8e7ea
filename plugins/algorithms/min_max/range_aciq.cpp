#include "range_aciq.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "pot/error.hpp"

namespace pot::min_max {

namespace {

// Expected squared error of clipping a unit prior to [-alpha, alpha] (both tails).
double clipping_error(AciqPrior prior, double alpha) {
    if (prior == AciqPrior::Laplace) return 2.0 * std::exp(-alpha);
    return (1.0 + alpha * alpha) * std::erfc(alpha / std::numbers::sqrt2) -
           alpha * std::sqrt(2.0 / std::numbers::pi) * std::exp(-0.5 * alpha * alpha);
}

double total_error(AciqPrior prior, double alpha, int bits) {
    return clipping_error(prior, alpha) + alpha * alpha / (3.0 * std::pow(4.0, bits));
}

}  // namespace

double aciq_unit_alpha(AciqPrior prior, int bits) {
    POT_CHECK(bits >= 1 && bits <= 16, "ACIQ needs bits in [1, 16], got ", bits);
    // Both error terms are convex in alpha, so golden-section search finds the minimum.
    const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
    double lo = 0.0, hi = 64.0;
    double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
    double fa = total_error(prior, a, bits), fb = total_error(prior, b, bits);
    while (hi - lo > 1e-9) {
        if (fa < fb) {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = total_error(prior, a, bits);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = total_error(prior, b, bits);
        }
    }
    return 0.5 * (lo + hi);
}

double aciq_threshold(const AbsHistogram& hist, AciqPrior prior, int bits) {
    const double scale = prior == AciqPrior::Laplace ? hist.mean_abs() : std::sqrt(hist.mean_square());
    const double range = hist.edge(hist.bins());
    if (scale <= 0.0) return range;
    return std::min(aciq_unit_alpha(prior, bits) * scale, range);
}

}  // namespace pot::min_max
