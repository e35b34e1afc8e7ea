#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "aggregation.hpp"
#include "pot/error.hpp"

namespace {

using pot::min_max::aggregate;
using pot::min_max::Aggregator;

// The Hodges-Lehmann estimate by its definition: the median of every pairwise mean, i < j.
double hodges_lehmann_by_definition(const std::vector<float>& x) {
    std::vector<double> means;
    for (size_t i = 0; i < x.size(); ++i)
        for (size_t j = i + 1; j < x.size(); ++j) means.push_back(0.5 * (static_cast<double>(x[i]) + x[j]));
    std::sort(means.begin(), means.end());
    const size_t n = means.size();
    return n % 2 ? means[n / 2] : 0.5 * (means[n / 2 - 1] + means[n / 2]);
}

TEST(Aggregation, MeanMinMaxAndMedian) {
    const std::vector<float> v = {4, 1, 9, 2};
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::Mean, v), 4.0);
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::Max, v), 9.0);
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::Min, v), 1.0);
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::Median, v), 3.0);  // even count: mean of 2 and 4
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::Median, {5, 1, 3}), 3.0);
}

TEST(Aggregation, NoOutliersDropsTheValuesBeyondThe1And99PercentQuantiles) {
    // 0..99 plus one value of 1e6: the 99% quantile (interpolated) falls below it, so it is dropped;
    // 0 sits below the 1% quantile (1.0) and is dropped too.
    std::vector<float> v;
    for (int i = 0; i < 100; ++i) v.push_back(static_cast<float>(i));
    v.push_back(1e6f);
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::MeanNoOutliers, v), 50.0);  // mean of 1..99
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::MedianNoOutliers, v), 50.0);
    EXPECT_GT(aggregate(Aggregator::Mean, v), 9000.0);
}

TEST(Aggregation, HodgesLehmannMatchesItsDefinition) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(1.5f, 2.0f);
    for (const size_t n : {1u, 2u, 3u, 4u, 7u, 50u, 301u}) {
        std::vector<float> x(n);
        for (auto& v : x) v = normal(rng);
        if (n > 4) x[0] = 1e4f;  // an outlier barely moves it
        const double expected = n == 1 ? x[0] : hodges_lehmann_by_definition(x);
        EXPECT_NEAR(aggregate(Aggregator::HodgesLehmann, x), expected, 1e-9 * (1 + std::fabs(expected))) << n;
    }
    // Ties and repeated values.
    const std::vector<float> ties = {2, 2, 2, 2, 5, 5, -1};
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::HodgesLehmann, ties), hodges_lehmann_by_definition(ties));
}

TEST(Aggregation, NansAreSkippedAndNothingLeftIsAnError) {
    EXPECT_DOUBLE_EQ(aggregate(Aggregator::Median, {NAN, 3, 1}), 2.0);
    EXPECT_THROW(aggregate(Aggregator::Mean, {NAN}), pot::Error);
    EXPECT_THROW(aggregate(Aggregator::HodgesLehmann, {}), pot::Error);
}

TEST(Aggregation, InfiniteStatisticsGiveAnInfiniteBound) {
    EXPECT_TRUE(std::isinf(aggregate(Aggregator::HodgesLehmann, {1, 2, INFINITY})));
}

}  // namespace
