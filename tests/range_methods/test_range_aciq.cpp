#include <gtest/gtest.h>

#include "laplace.hpp"
#include "range_aciq.hpp"

namespace {

using pot::min_max::AciqPrior;
using pot::min_max::aciq_threshold;
using pot::min_max::aciq_unit_alpha;

struct AlphaCase {
    const char* name;
    AciqPrior prior;
    int bits;
    double alpha;  // Banner et al., table of optimal clipping values
};

class AciqAlpha : public testing::TestWithParam<AlphaCase> {};

TEST_P(AciqAlpha, MatchesThePublishedOptimalClipping) {
    const auto& c = GetParam();
    EXPECT_NEAR(aciq_unit_alpha(c.prior, c.bits), c.alpha, 0.015);
}

INSTANTIATE_TEST_SUITE_P(
    Published, AciqAlpha,
    testing::Values(AlphaCase{"Laplace2Bits", AciqPrior::Laplace, 2, 2.83},
                    AlphaCase{"Laplace3Bits", AciqPrior::Laplace, 3, 3.89},
                    AlphaCase{"Laplace4Bits", AciqPrior::Laplace, 4, 5.03},
                    AlphaCase{"Laplace8Bits", AciqPrior::Laplace, 8, 9.89},
                    AlphaCase{"Gauss2Bits", AciqPrior::Gauss, 2, 1.71},
                    AlphaCase{"Gauss4Bits", AciqPrior::Gauss, 4, 2.55},
                    AlphaCase{"Gauss8Bits", AciqPrior::Gauss, 8, 3.92}),
    [](const testing::TestParamInfo<AlphaCase>& info) { return std::string(info.param.name); });

TEST(Aciq, MoreBitsClipLater) {
    for (int bits = 2; bits < 9; ++bits)
        EXPECT_LT(aciq_unit_alpha(AciqPrior::Laplace, bits), aciq_unit_alpha(AciqPrior::Laplace, bits + 1));
}

TEST(Aciq, ThresholdScalesAlphaByTheFittedLaplaceScale) {
    const auto sample = pot::test::laplace_sample(200000, 0.5, 11);
    const auto hist = pot::min_max::abs_histogram_of(sample, 2048);
    // mean |x| of Laplace(b) is b.
    EXPECT_NEAR(hist.mean_abs(), 0.5, 0.01);
    EXPECT_NEAR(aciq_threshold(hist, AciqPrior::Laplace, 4), 5.03 * 0.5, 0.06);
}

TEST(Aciq, ThresholdNeverExceedsTheObservedRange) {
    const auto hist = pot::min_max::abs_histogram_of({1.0f, -1.0f, 0.9f, -0.95f}, 512);
    EXPECT_LE(aciq_threshold(hist, AciqPrior::Laplace, 8), 1.0);
    EXPECT_DOUBLE_EQ(aciq_threshold(hist, AciqPrior::Laplace, 8), hist.edge(hist.bins()));
}

}  // namespace
