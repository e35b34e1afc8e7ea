#include "range_weights.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aggregation.hpp"
#include "range_admm.hpp"

namespace pot::min_max {

std::pair<std::vector<float>, std::vector<float>> shared_zero_point_ranges(std::vector<float> lo,
                                                                          std::vector<float> hi, int bits) {
    const int64_t steps = (int64_t{1} << bits) - 1;
    for (size_t c = 0; c < lo.size(); ++c) {
        lo[c] = std::min(lo[c], 0.0f);
        hi[c] = std::max(hi[c], 0.0f);
    }
    // The step of channel c when 0 is code z: the smallest that still reaches both bounds.
    const auto step = [&](size_t c, int64_t z) {
        const double below = z > 0 ? -static_cast<double>(lo[c]) / static_cast<double>(z)
                                   : (lo[c] < 0 ? std::numeric_limits<double>::infinity() : 0.0);
        const double above = z < steps ? static_cast<double>(hi[c]) / static_cast<double>(steps - z)
                                       : (hi[c] > 0 ? std::numeric_limits<double>::infinity() : 0.0);
        return std::max(below, above);
    };
    // The zero point with the least total squared step (the rounding noise of all channels).
    int64_t best = 0;
    double best_noise = std::numeric_limits<double>::infinity();
    for (int64_t z = 0; z <= steps; ++z) {
        double noise = 0;
        for (size_t c = 0; c < lo.size(); ++c) noise += step(c, z) * step(c, z);
        if (noise < best_noise) {
            best_noise = noise;
            best = z;
        }
    }
    for (size_t c = 0; c < lo.size(); ++c) {
        const double s = step(c, best);
        if (s <= 0.0) continue;  // an all-zero channel: fake_quantize_from_range gives it a minimal range
        lo[c] = static_cast<float>(-static_cast<double>(best) * s);
        hi[c] = static_cast<float>(static_cast<double>(steps - best) * s);
    }
    return {lo, hi};
}

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
    if (!settings.symmetric) {
        // Asymmetric: the channel's own [min, max], or quantiles of w itself, then the clipping values.
        if (settings.low_quantile_outlier_prob || settings.quantile_outlier_prob) {
            std::vector<std::vector<double>> per_channel(lo.size());
            for (size_t i = 0; i < values.size(); ++i) per_channel[channel_of(i)].push_back(values[i]);
            for (size_t c = 0; c < lo.size(); ++c) {
                auto& v = per_channel[c];
                if (v.empty()) continue;
                std::sort(v.begin(), v.end());
                if (settings.low_quantile_outlier_prob)
                    lo[c] = static_cast<float>(sorted_quantile(v, *settings.low_quantile_outlier_prob));
                if (settings.quantile_outlier_prob)
                    hi[c] = static_cast<float>(sorted_quantile(v, 1.0 - *settings.quantile_outlier_prob));
            }
        }
        for (size_t c = 0; c < lo.size(); ++c) {
            if (settings.low_clip) lo[c] = std::max(lo[c], static_cast<float>(*settings.low_clip));
            if (settings.high_clip) hi[c] = std::min(hi[c], static_cast<float>(*settings.high_clip));
        }
        return shared_zero_point_ranges(lo, hi, settings.bits);
    }
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
