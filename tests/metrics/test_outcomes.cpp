// Host-side comparison helpers: which samples a quantized model fixed or broke, and cosine.
#include <cmath>

#include <gtest/gtest.h>

#include "pot/core/metrics.hpp"
#include "pot/error.hpp"
#include "pot/similarity.hpp"

namespace {

TEST(OutcomeChanges, CountsFixedAndBrokenSamples) {
    // FP32 right on 0, 1, 2; INT8 right on 1, 2, 3.
    const auto c = pot::core::compare_scores({100, 100, 100, 0, 0}, {0, 100, 100, 100, 0});
    EXPECT_EQ(c.fixed, 1);
    EXPECT_EQ(c.broken, 1);
    EXPECT_EQ(c.samples, 5);
    EXPECT_NEAR(c.standard_error_points(), 100.0 * std::sqrt(2.0) / 5.0, 1e-12);
}

TEST(OutcomeChanges, LowerIsBetterScoresCountTheOtherWay) {
    // An error rate: FP32 wrong on sample 0 only, INT8 wrong on samples 0 and 1.
    const auto c = pot::core::compare_scores({100, 0, 0}, {100, 100, 0}, false);
    EXPECT_EQ(c.fixed, 0);
    EXPECT_EQ(c.broken, 1);
}

TEST(OutcomeChanges, DifferentSampleCountsAreAnError) {
    EXPECT_THROW(pot::core::compare_scores({100}, {}), pot::Error);
}

TEST(Similarity, KnownValues) {
    EXPECT_NEAR(pot::Similarity::of({1, 0}, {1, 1}).cosine(), std::sqrt(0.5), 1e-12);
    EXPECT_DOUBLE_EQ(pot::Similarity::of({0, 0}, {0, 0}).cosine(), 1.0);
    EXPECT_DOUBLE_EQ(pot::Similarity::of({0, 0}, {1, 0}).cosine(), 0.0);
    EXPECT_NEAR(pot::Similarity::of({1, 0}, {1, 1}).sqnr_db(), 10 * std::log10(2.0), 1e-12);
    EXPECT_DOUBLE_EQ(pot::Similarity::of({1, 2}, {1, 2}).sqnr_db(), pot::kExactSqnrDb);
    auto sum = pot::Similarity::of({1, 0}, {1, 1});
    sum += pot::Similarity::of({1, 1}, {1, 1});
    EXPECT_NEAR(sum.sqnr_db(), 10 * std::log10(4.0), 1e-12);
    EXPECT_THROW(pot::Similarity::of({1}, {1, 2}), pot::Error);
}

}  // namespace
