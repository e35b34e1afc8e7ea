#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "pot/fake_quantize.hpp"
#include "range_admm.hpp"
#include "range_weights.hpp"

namespace {

using pot::min_max::admm_quantization_mse;
using pot::min_max::admm_threshold;

// Student-t weights: a narrow bulk with long tails, like trained layers.
std::vector<float> heavy_tailed(size_t count, unsigned seed, float degrees_of_freedom = 3.0f) {
    std::mt19937 rng(seed);
    std::student_t_distribution<float> t(degrees_of_freedom);
    std::vector<float> out(count);
    for (auto& v : out) v = 0.05f * t(rng);
    return out;
}

std::vector<double> magnitudes(const std::vector<float>& v) {
    std::vector<double> out;
    for (float x : v) out.push_back(std::fabs(static_cast<double>(x)));
    return out;
}

double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// Smallest error over a fine scan of thresholds: the optimum ADMM should reach.
double brute_force_mse(const std::vector<double>& w, int64_t q_max) {
    double best = admm_quantization_mse(w, max_of(w), q_max);
    for (int i = 1; i < 1000; ++i)
        best = std::min(best, admm_quantization_mse(w, max_of(w) * i / 1000.0, q_max));
    return best;
}

struct AdmmCase {
    const char* name;
    int bits;
    float degrees_of_freedom;
    double max_error_ratio;  // ADMM error / max-abs error
};

class AdmmWeights : public testing::TestWithParam<AdmmCase> {};

TEST_P(AdmmWeights, LowersQuantizationErrorBelowMaxAbsOnHeavyTails) {
    const int64_t q_max = (int64_t{1} << (GetParam().bits - 1)) - 1;
    for (unsigned seed : {1u, 2u, 3u}) {
        const auto w = magnitudes(heavy_tailed(4096, seed, GetParam().degrees_of_freedom));
        const std::vector<double> ones(w.size(), 1.0);
        const double t = admm_threshold(w, ones, q_max, max_of(w), pot::min_max::kDefaultAdmmIterations);
        const double admm = admm_quantization_mse(w, t, q_max);
        const double max_abs = admm_quantization_mse(w, max_of(w), q_max);
        EXPECT_LT(t, max_of(w)) << "seed " << seed;
        EXPECT_LT(admm, GetParam().max_error_ratio * max_abs) << "seed " << seed;
        EXPECT_LE(admm, 1.02 * brute_force_mse(w, q_max)) << "seed " << seed;
    }
}

INSTANTIATE_TEST_SUITE_P(BitWidths, AdmmWeights,
                         testing::Values(AdmmCase{"FourBits", 4, 3.0f, 0.8},
                                         // At 8 bits clipping pays only with heavier tails.
                                         AdmmCase{"EightBits", 8, 2.0f, 0.99}),
                         [](const testing::TestParamInfo<AdmmCase>& info) {
                             return std::string(info.param.name);
                         });

TEST(Admm, NeverIncreasesTheErrorOfItsStartingPoint) {
    const auto w = magnitudes(heavy_tailed(1000, 9));
    const std::vector<double> ones(w.size(), 1.0);
    for (int iterations : {1, 2, 5, 50}) {
        const double t = admm_threshold(w, ones, 7, max_of(w), iterations);
        EXPECT_LE(admm_quantization_mse(w, t, 7), admm_quantization_mse(w, max_of(w), 7) + 1e-15)
            << iterations << " iterations";
    }
}

TEST(Admm, SeveralStartsEscapeTheTrapOfOneFarOutlier) {
    // 9999 values in [0, 1) and one at 20: from max-abs every small value rounds to 0 with 3 levels,
    // so a single run cannot move; starting lower finds a far better scale.
    std::vector<double> x;
    for (int i = 0; i < 9999; ++i) x.push_back(i / 9999.0);
    x.push_back(20.0);
    const std::vector<double> ones(x.size(), 1.0);
    const double trapped = admm_threshold(x, ones, 3, 20.0, 100);
    const double best = pot::min_max::admm_best_threshold(x, ones, 3, 20.0, 100);
    EXPECT_DOUBLE_EQ(trapped, 20.0);
    EXPECT_LT(best, 5.0);
    EXPECT_LT(admm_quantization_mse(x, best, 3), 0.5 * admm_quantization_mse(x, trapped, 3));
}

TEST(Admm, KeepsAnExactGridWhereItIs) {
    // Values already on the grid k * 0.5, k = 0..3: the max-abs scale is exact and stays.
    const std::vector<double> x = {0.0, 0.5, 1.0, 1.5, 1.5, 0.5};
    const std::vector<double> ones(x.size(), 1.0);
    EXPECT_DOUBLE_EQ(admm_threshold(x, ones, 3, 1.5, 100), 1.5);
}

TEST(WeightRanges, AdmmGivesEachChannelItsOwnSymmetricThreshold) {
    // Two output channels: a heavy-tailed one and a small uniform one.
    auto values = heavy_tailed(64, 4);
    for (int i = 0; i < 64; ++i) values.push_back(0.01f * static_cast<float>(i % 8 - 4));
    const auto w = pot::Tensor::from_vector<float>({2, 64}, values);
    pot::min_max::WeightSettings settings;
    settings.bits = 4;
    const auto [max_lo, max_hi] = pot::min_max::weight_ranges(w, 0, settings);
    settings.range_method = pot::min_max::WeightRangeMethod::Admm;
    const auto [lo, hi] = pot::min_max::weight_ranges(w, 0, settings);
    ASSERT_EQ(hi.size(), 2u);
    for (size_t c = 0; c < 2; ++c) EXPECT_FLOAT_EQ(lo[c], -hi[c]);
    EXPECT_LT(hi[0], std::max(std::fabs(max_lo[0]), max_hi[0]));
    EXPECT_LT(hi[1], 0.05f);
    EXPECT_NE(hi[0], hi[1]);
}

TEST(WeightRanges, MaxAbsIsTheChannelRangeContainingZero) {
    const auto w = pot::Tensor::from_vector<float>({2, 3}, {0.5f, 1.0f, 2.0f, -3.0f, -1.0f, -0.5f});
    const auto [lo, hi] = pot::min_max::weight_ranges(w, 0, pot::min_max::WeightSettings{});
    EXPECT_EQ(lo, (std::vector<float>{0.0f, -3.0f}));
    EXPECT_EQ(hi, (std::vector<float>{2.0f, 0.0f}));
}

TEST(WeightRanges, AsymmetricChannelsShareOneZeroPointAndKeepTheirBounds) {
    // Three channels skewed differently: mostly positive, mostly negative, balanced.
    const auto w = pot::Tensor::from_vector<float>(
        {3, 4}, {-0.1f, 0.9f, 0.5f, 0.2f, -2.0f, 0.3f, -1.0f, 0.0f, -0.5f, 0.5f, 0.25f, -0.25f});
    pot::min_max::WeightSettings settings;
    settings.symmetric = false;
    const auto [lo, hi] = pot::min_max::weight_ranges(w, 0, settings);
    const auto fq = pot::fake_quantize_from_range(lo, hi, pot::QuantSpec{8, false, true, false}, 0);
    const auto enc = pot::encoding_from_fake_quantize(fq, pot::DType::U8);
    ASSERT_EQ(enc.zero_point.size(), 3u);
    EXPECT_EQ(enc.zero_point[0], enc.zero_point[1]);
    EXPECT_EQ(enc.zero_point[1], enc.zero_point[2]);
    EXPECT_GT(enc.zero_point[0], 0);
    EXPECT_LT(enc.zero_point[0], 255);
    const float mins[] = {-0.1f, -2.0f, -0.5f}, maxs[] = {0.9f, 0.3f, 0.5f};
    for (size_t c = 0; c < 3; ++c) {
        EXPECT_LE(fq.input_low[c], mins[c] * (1 - 1e-5f)) << c;
        EXPECT_GE(fq.input_high[c], maxs[c] * (1 - 1e-5f)) << c;
        // No wider than needed: one bound is (almost) tight.
        EXPECT_TRUE(std::fabs(fq.input_low[c] - mins[c]) < 1e-5f || std::fabs(fq.input_high[c] - maxs[c]) < 1e-5f) << c;
    }
}

TEST(WeightRanges, AsymmetricQuantilesClipEachSideOfTheChannel) {
    std::vector<float> values(1000);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) / 1000.0f - 0.2f;
    values[0] = -50.0f;   // one outlier on each side
    values[999] = 40.0f;
    const auto w = pot::Tensor::from_vector<float>({1, 1000}, values);
    pot::min_max::WeightSettings settings;
    settings.symmetric = false;
    const auto [full_lo, full_hi] = pot::min_max::weight_ranges(w, 0, settings);
    EXPECT_LE(full_lo[0], -50.0f);  // the minimum, widened at most one step to put 0 on a code
    EXPECT_GT(full_lo[0], -50.5f);
    settings.low_quantile_outlier_prob = settings.quantile_outlier_prob = 0.01;
    const auto [lo, hi] = pot::min_max::weight_ranges(w, 0, settings);
    EXPECT_GT(lo[0], -0.25f);
    EXPECT_LT(hi[0], 0.8f);
    EXPECT_GT(hi[0], 0.7f);
}

}  // namespace
