#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include <gtest/gtest.h>

#include "laplace.hpp"
#include "pot/fake_quantize.hpp"
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

// --- Asymmetric grids: both bounds searched -------------------------------------------------

// The error of the grid pot::fake_quantize_from_range builds, applied value by value.
double affine_sample_mse(const std::vector<float>& x, double lo, double hi, int bits = 8) {
    const pot::QuantSpec spec{bits, /*symmetric=*/false, /*is_signed=*/true, /*narrow_range=*/false};
    const auto fq = pot::fake_quantize_from_range({static_cast<float>(lo)}, {static_cast<float>(hi)}, spec, -1);
    double sum = 0.0;
    for (float v : x) {
        const float q = pot::fake_quantize_value(v, fq.input_low[0], fq.input_high[0], fq.output_low[0],
                                                 fq.output_high[0], fq.levels);
        sum += (static_cast<double>(v) - q) * (static_cast<double>(v) - q);
    }
    return sum / static_cast<double>(x.size());
}

// x's histogram as the Histogram reducer gives it: `bins` bins over [-max |x|, max |x|].
pot::min_max::SignedHistogram histogram_of(const std::vector<float>& x, size_t bins) {
    double abs_max = 0.0;
    for (float v : x) abs_max = std::max(abs_max, std::fabs(static_cast<double>(v)));
    std::vector<int64_t> counts(bins, 0);
    for (float v : x) {
        const double i = std::floor((v + abs_max) / (2.0 * abs_max) * static_cast<double>(bins));
        ++counts[static_cast<size_t>(std::clamp(i, 0.0, static_cast<double>(bins - 1)))];
    }
    return pot::min_max::signed_histogram(counts, abs_max);
}

// A skewed sample like a HardSwish or GELU output: a short negative lobe and a long positive tail.
std::vector<float> skewed_sample(size_t count, unsigned seed) {
    const auto laplace = pot::test::laplace_sample(count, 1.0, seed);
    std::vector<float> x;
    for (float v : laplace) x.push_back(v < 0.0f ? 0.05f * v : 2.0f * v);
    return x;
}

TEST(AffineMse, PrefixSumsGiveTheErrorOfQuantizingEveryBinCenter) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> count(0, 50);
    pot::min_max::SignedHistogram h;
    h.low = -3.0;
    h.bin_width = 6.0 / 512.0;
    for (int i = 0; i < 512; ++i) h.counts.push_back(count(rng) * (i % 7 == 0 ? 0 : 1));
    std::vector<float> centers;
    for (size_t i = 0; i < h.bins(); ++i)
        for (int k = 0; k < static_cast<int>(h.counts[i]); ++k) centers.push_back(static_cast<float>(h.center(i)));
    for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{{-3.0, 3.0}, {-0.5, 2.0}, {-2.9, 0.1},
                                                                      {0.0, 1.3}, {-1.7, 0.0}})
        for (int bits : {8, 4}) {
            const double expected = affine_sample_mse(centers, lo, hi, bits);
            EXPECT_NEAR(pot::min_max::affine_quantization_mse(h, lo, hi, int64_t{1} << bits), expected,
                        1e-4 * expected + 1e-12)  // the SDK's grid computes in float
                << "[" << lo << ", " << hi << "], " << bits << " bits";
        }
}

TEST(AffineMse, BothBoundsFitASkewedSampleBetterThanOneThresholdOnAbsX) {
    const auto x = skewed_sample(20000, 3);
    const auto hist = histogram_of(x, 4096);
    float lo = 0.0f, hi = 0.0f;
    for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
    // What a threshold T on |x| gives: [max(min, -T), min(max, T)], T chosen for symmetric codes.
    std::vector<float> abs_x;
    for (float v : x) abs_x.push_back(std::fabs(v));
    const double t = pot::min_max::mse_threshold(pot::min_max::abs_histogram_of(abs_x, 2048), 127);
    const std::pair<double, double> clipped{std::max<double>(lo, -t), std::min<double>(hi, t)};

    const auto [a, b] = pot::min_max::mse_affine_range(hist, 256, clipped);
    EXPECT_LE(a, 0.0);
    EXPECT_GE(b, 0.0);
    const double searched = affine_sample_mse(x, a, b);
    EXPECT_LT(searched, affine_sample_mse(x, clipped.first, clipped.second));
    EXPECT_LT(searched, affine_sample_mse(x, lo, hi));  // clipping the tail pays
    // Close to the best of a fine grid of both bounds, evaluated on the sample itself.
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i <= 20; ++i)
        for (int j = 1; j <= 100; ++j)
            best = std::min(best, affine_sample_mse(x, lo * i / 20.0, hi * j / 100.0));
    EXPECT_LE(searched, 1.02 * best);
}

TEST(AffineMse, AFewDistinctValuesKeepEveryOneInReach) {
    // A constant map (the biases of a last layer whose features died): 21 values, many copies.
    // Clipping any of them costs more than any step saves, so the search keeps the whole range
    // (within a bin) and never does worse than it or than where it started.
    std::mt19937 rng(5);
    std::normal_distribution<float> bias(0.1f, 0.6f);
    std::vector<float> values;
    for (int i = 0; i < 21; ++i) values.push_back(bias(rng));
    std::vector<float> x;
    for (int copy = 0; copy < 500; ++copy) x.insert(x.end(), values.begin(), values.end());
    float lo = 0.0f, hi = 0.0f;
    for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
    const auto hist = histogram_of(x, 4096);
    const std::pair<double, double> start{0.5 * lo, 0.5 * hi};
    const auto [a, b] = pot::min_max::mse_affine_range(hist, 256, start);
    const double searched = pot::min_max::affine_quantization_mse(hist, a, b, 256);
    EXPECT_LE(searched, pot::min_max::affine_quantization_mse(hist, lo, hi, 256));
    EXPECT_LT(searched, 0.01 * pot::min_max::affine_quantization_mse(hist, start.first, start.second, 256));
    EXPECT_NEAR(a, lo, 2.0 * hist.bin_width);
    EXPECT_NEAR(b, hi, 2.0 * hist.bin_width);
}

TEST(AffineMse, NonNegativeValuesKeepZeroAsTheLowBound) {
    std::vector<float> x;
    for (float v : pot::test::laplace_sample(20000, 1.0, 9)) x.push_back(std::fabs(v));
    float hi = 0.0f;
    for (float v : x) hi = std::max(hi, v);
    const auto [a, b] = pot::min_max::mse_affine_range(histogram_of(x, 4096), 256, {0.0, hi});
    EXPECT_EQ(a, 0.0);
    EXPECT_GT(b, 0.0);
    EXPECT_LT(b, hi);
}

TEST(AffineMse, AnEmptyHistogramKeepsTheStartingRange) {
    pot::min_max::SignedHistogram empty;
    empty.low = -1.0;
    empty.bin_width = 0.25;
    empty.counts.assign(8, 0.0);
    EXPECT_EQ(pot::min_max::affine_quantization_mse(empty, -1.0, 1.0, 256), 0.0);
    const auto r = pot::min_max::mse_affine_range(empty, 256, {-0.5, 0.75});
    EXPECT_EQ(r.first, -0.5);
    EXPECT_EQ(r.second, 0.75);
}

}  // namespace
