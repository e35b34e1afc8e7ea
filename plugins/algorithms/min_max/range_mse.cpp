#include "range_mse.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pot/error.hpp"

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

namespace {

// Count, sum and sum of squares of the bin centers below each bin index, so that the error of
// one code's cell is three lookups.
class AffineMse {
public:
    explicit AffineMse(const SignedHistogram& hist) : hist_(hist) {
        const size_t n = hist.bins();
        c_.assign(n + 1, 0.0);
        s1_.assign(n + 1, 0.0);
        s2_.assign(n + 1, 0.0);
        for (size_t i = 0; i < n; ++i) {
            const double x = hist.center(i), c = hist.counts[i];
            c_[i + 1] = c_[i] + c;
            s1_[i + 1] = s1_[i] + c * x;
            s2_[i + 1] = s2_[i] + c * x * x;
        }
    }

    double total() const { return c_.back(); }

    double operator()(double lo, double hi, int64_t levels) const {
        const double n = total();
        if (n <= 0.0) return 0.0;
        const double steps = static_cast<double>(levels - 1);
        const double scale = (hi - lo) / steps;
        if (!(scale > 0.0)) return std::numeric_limits<double>::infinity();
        const double zero = std::clamp(std::nearbyint(-lo / scale), 0.0, steps);
        const auto bins = static_cast<int64_t>(hist_.bins());
        // Bins whose centers lie at or above (k - zero - 0.5) * scale take code k or higher.
        const auto first_bin_of = [&](int64_t k) {
            const double t = (static_cast<double>(k) - zero - 0.5) * scale;
            const double j = std::ceil((t - hist_.low) / hist_.bin_width - 0.5);
            return static_cast<int64_t>(std::clamp(j, 0.0, static_cast<double>(bins)));
        };
        double sum = 0.0;
        int64_t begin = 0;
        for (int64_t k = 0; k < levels && begin < bins; ++k) {
            const int64_t end = k + 1 < levels ? first_bin_of(k + 1) : bins;
            if (end > begin) {
                const double g = (static_cast<double>(k) - zero) * scale;
                const double c = c_[end] - c_[begin], s1 = s1_[end] - s1_[begin], s2 = s2_[end] - s2_[begin];
                sum += std::max(s2 - 2.0 * g * s1 + g * g * c, 0.0);
                begin = end;
            }
        }
        return sum / n;
    }

private:
    const SignedHistogram& hist_;
    std::vector<double> c_, s1_, s2_;
};

}  // namespace

SignedHistogram signed_histogram(const std::vector<int64_t>& counts, double abs_max) {
    POT_CHECK(!counts.empty() && abs_max > 0.0, "a histogram over [-abs_max, abs_max] needs bins and abs_max > 0");
    SignedHistogram h;
    h.low = -abs_max;
    h.bin_width = 2.0 * abs_max / static_cast<double>(counts.size());
    h.counts.assign(counts.begin(), counts.end());
    return h;
}

double affine_quantization_mse(const SignedHistogram& hist, double lo, double hi, int64_t levels) {
    return AffineMse(hist)(lo, hi, levels);
}

std::pair<double, double> mse_affine_range(const SignedHistogram& hist, int64_t levels,
                                           std::pair<double, double> start) {
    const AffineMse mse(hist);
    const size_t n = hist.bins();
    size_t first = 0, last = n;
    while (first < n && hist.counts[first] == 0.0) ++first;
    while (last > first && hist.counts[last - 1] == 0.0) --last;
    if (first >= last) return start;
    // Candidate bounds are bin edges: low ones from the lowest mass up to 0, high ones from 0 up
    // to the highest mass (the edge nearest 0 stands for 0 when no edge falls on it).
    const auto nearest_edge = [&](double x) {
        const double i = std::nearbyint((x - hist.low) / hist.bin_width);
        return static_cast<size_t>(std::clamp(i, 0.0, static_cast<double>(n)));
    };
    const size_t zero = nearest_edge(0.0);
    const size_t low_min = std::min(first, zero), high_max = std::max(last, zero);
    const auto value_of = [&](size_t edge, bool low_bound) {
        return edge == zero ? 0.0 : low_bound ? std::min(hist.edge(edge), 0.0) : std::max(hist.edge(edge), 0.0);
    };

    struct Point {
        size_t low, high;
        double error;
    };
    const auto error_of = [&](size_t low, size_t high) {
        const double lo = value_of(low, true), hi = value_of(high, false);
        return hi > lo ? mse(lo, hi, levels) : std::numeric_limits<double>::infinity();
    };
    // The best edge in [first, last] for one bound (the other fixed): kCoarse edges evenly spread,
    // then every edge around the best of those (about 300 of the 2048 a bound can have).
    constexpr size_t kCoarse = 256;
    const auto scan = [&](Point p, size_t first, size_t last, bool low_bound) {
        const auto try_edge = [&](size_t edge) {
            const double e = low_bound ? error_of(edge, p.high) : error_of(p.low, edge);
            if (e < p.error) p = low_bound ? Point{edge, p.high, e} : Point{p.low, edge, e};
        };
        const size_t stride = std::max<size_t>(1, (last - first) / kCoarse);
        for (size_t edge = first; edge <= last; edge += stride) try_edge(edge);
        if (stride > 1) {
            const size_t around = low_bound ? p.low : p.high;
            const size_t from = std::max(first, around - std::min(around, stride));
            const size_t to = std::min(last, around + stride);
            for (size_t edge = from; edge <= to; ++edge) try_edge(edge);
        }
        return p;
    };
    const auto descend = [&](size_t low, size_t high) {
        Point p{low, high, error_of(low, high)};
        for (int round = 0; round < 16; ++round) {
            const Point before = p;
            p = scan(scan(p, low_min, zero, true), zero, high_max, false);
            if (p.low == before.low && p.high == before.high) break;
        }
        return p;
    };
    const size_t start_low = std::clamp(nearest_edge(start.first), low_min, zero);
    const size_t start_high = std::clamp(nearest_edge(start.second), zero, high_max);
    const Point from_full = descend(low_min, high_max);
    const Point from_start = descend(start_low, start_high);
    const Point& best = from_start.error < from_full.error ? from_start : from_full;
    if (!std::isfinite(best.error)) return start;
    return {value_of(best.low, true), value_of(best.high, false)};
}

}  // namespace pot::min_max
