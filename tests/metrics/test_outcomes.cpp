// Host-side comparison helpers: which samples a quantized model fixed or broke, and cosine.
#include <cmath>

#include <gtest/gtest.h>

#include "pot/core/metrics.hpp"
#include "pot/error.hpp"

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

TEST(CosineSimilarity, KnownValues) {
    EXPECT_NEAR(pot::core::cosine_similarity({1, 0}, {1, 1}), std::sqrt(0.5), 1e-12);
    EXPECT_DOUBLE_EQ(pot::core::cosine_similarity({0, 0}, {0, 0}), 1.0);
    EXPECT_THROW(pot::core::cosine_similarity({1}, {1, 2}), pot::Error);
}

}  // namespace
