#include "range_weights.hpp"

#include <algorithm>
#include <cmath>

#include "aggregation.hpp"
#include "range_admm.hpp"

namespace pot::min_max {

std::pair<std::vector<float>, std::vector<float>> weight_ranges(const Tensor& w, int64_t axis,
                                                                const WeightSettings& settings) {
    const auto values = w.to_floats();
    int64_t channels = 1, inner = 1;
    if (axis >= 0) {
        channels = w.dim(axis);
        for (int64_t d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
    }
    const auto channel_of = [&](size_t i) {
        return static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
    };
    std::vector<float> lo(static_cast<size_t>(channels), 0.0f), hi(static_cast<size_t>(channels), 0.0f);
    for (size_t i = 0; i < values.size(); ++i) {
        lo[channel_of(i)] = std::min(lo[channel_of(i)], values[i]);
        hi[channel_of(i)] = std::max(hi[channel_of(i)], values[i]);
    }
    // |w| of each channel, for the methods that look past the extremes.
    const auto channel_magnitudes = [&] {
        std::vector<std::vector<double>> out(lo.size());
        for (size_t i = 0; i < values.size(); ++i)
            out[channel_of(i)].push_back(std::fabs(static_cast<double>(values[i])));
        return out;
    };
    // POT's clipping_value bounds |w|'s threshold; a range clipped to [-t, t] stays symmetric.
    const auto clipped = [&](std::pair<std::vector<float>, std::vector<float>> r) {
        if (settings.high_clip) {
            const auto t = static_cast<float>(*settings.high_clip);
            for (auto& v : r.first) v = std::max(v, -t);
            for (auto& v : r.second) v = std::min(v, t);
        }
        return r;
    };
    if (settings.quantile_outlier_prob) {
        // The (1 - p)-quantile of |w| per channel: the largest magnitudes are clipped.
        auto magnitudes = channel_magnitudes();
        for (size_t c = 0; c < lo.size(); ++c) {
            auto& m = magnitudes[c];
            if (m.empty()) continue;
            std::sort(m.begin(), m.end());
            const auto t = static_cast<float>(sorted_quantile(m, 1.0 - *settings.quantile_outlier_prob));
            lo[c] = std::max(lo[c], -t);
            hi[c] = std::min(hi[c], t);
        }
        return clipped({lo, hi});
    }
    if (settings.range_method == WeightRangeMethod::MaxAbs) return clipped({lo, hi});

    const auto magnitudes = channel_magnitudes();
    // Narrow-range symmetric codes: [-q_max, q_max], so |w| maps onto [0, q_max].
    const int64_t q_max = (int64_t{1} << (settings.bits - 1)) - 1;
    for (size_t c = 0; c < lo.size(); ++c) {
        const double start = std::max(std::fabs(lo[c]), std::fabs(hi[c]));
        const std::vector<double> ones(magnitudes[c].size(), 1.0);
        const auto t = static_cast<float>(
            admm_best_threshold(magnitudes[c], ones, q_max, start, settings.admm_iterations));
        lo[c] = -t;
        hi[c] = t;
    }
    return clipped({lo, hi});
}

}  // namespace pot::min_max
