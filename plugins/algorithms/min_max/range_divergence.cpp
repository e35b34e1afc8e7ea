#include "range_divergence.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace pot::min_max {

namespace {

// Mass moved onto empty bins so that log(p / q) stays finite; taken from the non-empty bins so
// the total is unchanged (MXNet's calibration does the same on counts).
constexpr double kSmoothingCount = 1e-4;

void smooth(std::vector<double>& counts) {
    const auto zeros = std::count(counts.begin(), counts.end(), 0.0);
    const auto nonzeros = static_cast<std::ptrdiff_t>(counts.size()) - zeros;
    if (zeros == 0 || nonzeros == 0) return;
    const double taken = kSmoothingCount * static_cast<double>(zeros) / static_cast<double>(nonzeros);
    for (double& c : counts) c = c == 0.0 ? kSmoothingCount : std::max(c - taken, kSmoothingCount);
}

void normalize(std::vector<double>& v) {
    double sum = 0.0;
    for (double x : v) sum += x;
    if (sum > 0.0)
        for (double& x : v) x /= sum;
}

double kl(const std::vector<double>& p, const std::vector<double>& q) {
    double d = 0.0;
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i] > 0.0) d += p[i] * std::log(p[i] / q[i]);
    return d;
}

double divergence_of(const std::vector<double>& p, const std::vector<double>& q, Divergence kind) {
    switch (kind) {
        case Divergence::Kl: return kl(p, q);
        case Divergence::SymmetricKl: return 0.5 * (kl(p, q) + kl(q, p));
        case Divergence::JensenShannon: {
            std::vector<double> m(p.size());
            for (size_t i = 0; i < p.size(); ++i) m[i] = 0.5 * (p[i] + q[i]);
            return 0.5 * (kl(p, m) + kl(q, m));
        }
    }
    return 0.0;
}

}  // namespace

double clipped_divergence(const AbsHistogram& hist, size_t kept_bins, int64_t quant_bins,
                          Divergence divergence) {
    const auto& h = hist.counts;
    std::vector<double> p(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(kept_bins));
    double outliers = 0.0;
    for (size_t j = kept_bins; j < h.size(); ++j) outliers += h[j];
    p.back() += outliers;

    // Q quantizes the kept bins only: clipped mass has no quantized counterpart, which is what
    // makes clipping too early expensive.
    std::vector<double> q(kept_bins, 0.0);
    const auto groups = static_cast<size_t>(quant_bins);
    for (size_t g = 0; g < groups; ++g) {
        const size_t begin = g * kept_bins / groups;
        const size_t end = g + 1 == groups ? kept_bins : (g + 1) * kept_bins / groups;
        double mass = 0.0;
        size_t nonempty = 0;
        for (size_t j = begin; j < end; ++j) {
            mass += h[j];
            nonempty += p[j] != 0.0;
        }
        if (nonempty == 0) continue;
        for (size_t j = begin; j < end; ++j)
            if (p[j] != 0.0) q[j] = mass / static_cast<double>(nonempty);
    }
    smooth(p);
    smooth(q);
    normalize(p);
    normalize(q);
    return divergence_of(p, q, divergence);
}

double divergence_threshold(const AbsHistogram& measured, int64_t quant_bins, Divergence divergence) {
    const size_t first = static_cast<size_t>(std::max<int64_t>(quant_bins, 1));
    if (measured.bins() <= first || measured.total() <= 0.0) return measured.edge(measured.bins());
    // The first bin holds every exact zero: after a ReLU (or ReLU6) often half of all values.
    // Zero is exact at any threshold, but Q spreads the first group's mass over all of its bins,
    // so that spike alone would make every wide threshold look costly and the search clip the
    // activation to a fraction of its range. Like NVIDIA's entropy calibrator, give the first bin
    // its neighbour's count.
    AbsHistogram hist = measured;
    hist.counts[0] = hist.counts[1];
    if (hist.total() <= 0.0) return measured.edge(measured.bins());
    size_t best = hist.bins();
    double best_divergence = std::numeric_limits<double>::infinity();
    for (size_t kept = first; kept <= hist.bins(); ++kept) {
        const double d = clipped_divergence(hist, kept, quant_bins, divergence);
        if (d < best_divergence) {
            best_divergence = d;
            best = kept;
        }
    }
    return hist.edge(best);
}

}  // namespace pot::min_max
