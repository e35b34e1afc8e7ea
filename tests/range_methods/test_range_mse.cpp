#include <algorithm>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "laplace.hpp"
#include "range_mse.hpp"

namespace {

// Squared error of the sample itself (not its histogram) with symmetric codes [-q_max, q_max].
double sample_mse(const std::vector<float>& x, double threshold, int64_t q_max) {
    const double scale = threshold / static_cast<double>(q_max);
    double sum = 0.0;
    for (float v : x) {
        const double q = std::clamp(std::nearbyint(v / scale), -static_cast<double>(q_max),
                                    static_cast<double>(q_max)) * scale;
        sum += (v - q) * (v - q);
    }
    return sum / static_cast<double>(x.size());
}

struct MseCase {
    const char* name;
    int64_t q_max;
};

class MseThreshold : public testing::TestWithParam<MseCase> {};

TEST_P(MseThreshold, MatchesTheBruteForceOptimumOnALaplaceSample) {
    const int64_t q_max = GetParam().q_max;
    const auto sample = pot::test::laplace_sample(40000, 1.0, 5);
    const auto hist = pot::min_max::abs_histogram_of(sample, 2048);
    const double chosen = pot::min_max::mse_threshold(hist, q_max);

    double best = 0.0, best_error = std::numeric_limits<double>::infinity();
    for (double t = 0.02; t <= hist.edge(hist.bins()); t += 0.02) {
        const double e = sample_mse(sample, t, q_max);
        if (e < best_error) {
            best_error = e;
            best = t;
        }
    }
    EXPECT_LE(sample_mse(sample, chosen, q_max), best_error * 1.01);
    EXPECT_NEAR(chosen, best, 0.1 * best);
    // Clipping at the optimum beats the full range by a wide margin at these bit widths.
    EXPECT_LT(sample_mse(sample, chosen, q_max), 0.8 * sample_mse(sample, hist.edge(hist.bins()), q_max));
}

INSTANTIATE_TEST_SUITE_P(BitWidths, MseThreshold,
                         testing::Values(MseCase{"ThreeBits", 3}, MseCase{"FourBits", 7},
                                         MseCase{"SixBits", 31}),
                         [](const testing::TestParamInfo<MseCase>& info) {
                             return std::string(info.param.name);
                         });

TEST(MseThresholdEdges, UniformValuesAreClippedByLessThanOnePercent) {
    std::vector<float> uniform;
    for (int i = 0; i < 4096; ++i) uniform.push_back(static_cast<float>(i) / 4096.0f);
    const auto hist = pot::min_max::abs_histogram_of(uniform, 1024);
    EXPECT_NEAR(pot::min_max::mse_threshold(hist, 127), hist.edge(hist.bins()), 0.01);
}

TEST(MseThresholdEdges, ErrorOfAnEmptyHistogramIsZero) {
    pot::min_max::AbsHistogram empty;
    empty.bin_width = 1.0;
    empty.counts.assign(8, 0.0);
    EXPECT_EQ(pot::min_max::abs_quantization_mse(empty, 1.0, 7), 0.0);
}

}  // namespace
