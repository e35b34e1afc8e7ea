#include <gtest/gtest.h>

#include <cmath>

#include "range_divergence.hpp"

namespace {

using pot::min_max::AbsHistogram;
using pot::min_max::Divergence;
using pot::min_max::divergence_threshold;

constexpr size_t kBins = 2048;
constexpr size_t kCoreBins = 512;
constexpr int64_t kQuantBins = 128;  // 8-bit signed: 2^7 steps on [0, T]

// A dense core over the first 512 bins (falling linearly, so quantizing it coarser costs
// information) and two isolated far outliers: every divergence is smallest when the threshold
// sits at the end of the core.
AbsHistogram core_with_outliers() {
    AbsHistogram h;
    h.bin_width = 0.01;
    h.counts.assign(kBins, 0.0);
    for (size_t i = 0; i < kCoreBins; ++i) h.counts[i] = static_cast<double>(2 * kCoreBins - i);
    h.counts[1500] = 1.0;
    h.counts[2040] = 1.0;
    return h;
}

AbsHistogram uniform_everywhere() {
    AbsHistogram h;
    h.bin_width = 0.01;
    h.counts.assign(kBins, 100.0);
    return h;
}

struct DivergenceCase {
    const char* name;
    Divergence divergence;
};

class DivergenceThreshold : public testing::TestWithParam<DivergenceCase> {};

TEST_P(DivergenceThreshold, ClipsAtTheEndOfTheCoreAndIgnoresFarOutliers) {
    const auto h = core_with_outliers();
    const double t = divergence_threshold(h, kQuantBins, GetParam().divergence);
    EXPECT_GE(t, h.edge(kCoreBins) - 1e-12);
    EXPECT_LE(t, h.edge(kCoreBins + 8));
}

TEST_P(DivergenceThreshold, KeepsTheWholeRangeWhenNothingIsAnOutlier) {
    const auto h = uniform_everywhere();
    EXPECT_DOUBLE_EQ(divergence_threshold(h, kQuantBins, GetParam().divergence), h.edge(kBins));
}

TEST_P(DivergenceThreshold, ClippingInsideTheCoreCostsMoreThanAtItsEnd) {
    const auto h = core_with_outliers();
    const auto d = GetParam().divergence;
    EXPECT_GT(pot::min_max::clipped_divergence(h, kCoreBins / 2, kQuantBins, d),
              pot::min_max::clipped_divergence(h, kCoreBins, kQuantBins, d));
}

TEST_P(DivergenceThreshold, FewerQuantBinsThanHistogramBinsIsRequired) {
    AbsHistogram h;
    h.bin_width = 1.0;
    h.counts = {1.0, 2.0, 3.0};
    EXPECT_DOUBLE_EQ(divergence_threshold(h, 4, GetParam().divergence), 3.0);
}

TEST_P(DivergenceThreshold, ASpikeOfZerosDoesNotPullTheThresholdIn) {
    // ReLU6 output: 60% exact zeros, the rest spread evenly over (0, 6] with 5% saturated at 6.
    // Nothing is an outlier, so the threshold must stay at 6; counting the zeros as they are, KL
    // clipped such activations to about 1.3.
    AbsHistogram h;
    h.bin_width = 6.0 / static_cast<double>(kBins);
    h.counts.assign(kBins, 35.0 / static_cast<double>(kBins - 1));
    h.counts[0] = 60.0;
    h.counts[kBins - 1] += 5.0;
    const double t = divergence_threshold(h, 256, GetParam().divergence);  // unsigned 8-bit
    EXPECT_GE(t, 0.95 * 6.0);
}

TEST_P(DivergenceThreshold, TheThresholdIgnoresHowManyValuesAreExactlyZero) {
    // A decaying ReLU output where half of all values are exact zeros picks the same threshold
    // as the same shape without the spike.
    AbsHistogram h;
    h.bin_width = 0.01;
    h.counts.assign(kBins, 0.0);
    double total = 0.0;
    for (size_t i = 1; i < kBins; ++i) total += h.counts[i] = 1000.0 * std::exp(-static_cast<double>(i) / 250.0);
    AbsHistogram without_spike = h;
    without_spike.counts[0] = h.counts[1];
    h.counts[0] = total;
    const auto d = GetParam().divergence;
    EXPECT_DOUBLE_EQ(divergence_threshold(h, 256, d), divergence_threshold(without_spike, 256, d));
}

INSTANTIATE_TEST_SUITE_P(Kinds, DivergenceThreshold,
                         testing::Values(DivergenceCase{"Kl", Divergence::Kl},
                                         DivergenceCase{"SymmetricKl", Divergence::SymmetricKl},
                                         DivergenceCase{"JensenShannon", Divergence::JensenShannon}),
                         [](const testing::TestParamInfo<DivergenceCase>& info) {
                             return std::string(info.param.name);
                         });

TEST(Divergence, IdenticalDistributionsHaveZeroDivergence) {
    // 256 bins of equal mass in groups of 2 per quantization step: Q equals P exactly.
    AbsHistogram h;
    h.bin_width = 1.0;
    h.counts.assign(256, 3.0);
    for (auto d : {Divergence::Kl, Divergence::SymmetricKl, Divergence::JensenShannon})
        EXPECT_NEAR(pot::min_max::clipped_divergence(h, 256, 128, d), 0.0, 1e-12);
}

}  // namespace
