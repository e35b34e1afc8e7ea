// Statistics mapped through an increasing affine change of a value's channels equal the
// statistics measured on the changed value (see pot/core/statistics_mapping.hpp).
#include <cmath>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/core/statistics_mapping.hpp"

namespace pot::test {
namespace {

using core::remap_sources;
using core::remap_statistic;

constexpr int64_t kSamples = 5;
constexpr int64_t kChannels = 4;

// Channel c of every sample of `x` [samples, channels, h, w] becomes scale[c] * x + offset[c].
Tensor apply_change(const Tensor& x, const ChannelAffine& change) {
    Tensor y = x;
    const int64_t inner = x.dim(2) * x.dim(3);
    for (int64_t i = 0; i < y.numel(); ++i) {
        const auto c = static_cast<size_t>((i / inner) % kChannels);
        y.data<float>()[i] = change.scale[c] * x.data<float>()[i] + change.offset[c];
    }
    return y;
}

// Every request's statistic of `batch`, measured.
Statistics measure(const std::vector<StatisticRequest>& requests, const Tensor& batch) {
    ValueReducer reducer(requests);
    reducer.update(batch);
    Statistics stats;
    for (size_t i = 0; i < requests.size(); ++i) stats.set(requests[i], reducer.result(i));
    return stats;
}

class StatisticsMapping : public testing::Test {
protected:
    // Channels of different centres and widths, so the per-sample extremes come from different
    // channels before and after the change.
    Tensor x_ = random_tensor({kSamples, kChannels, 3, 3}, 17, -2.0f, 3.0f);
    ChannelAffine change_{"v", 1, {0.25f, 4.0f, 1.0f, 0.5f}, {1.0f, -3.0f, 0.0f, 2.5f}};
};

TEST_F(StatisticsMapping, MappedStatisticsEqualTheMeasuredOnes) {
    std::vector<StatisticRequest> requests;
    for (auto kind : {ReducerKind::Min, ReducerKind::Max, ReducerKind::AbsMax, ReducerKind::MeanMin,
                      ReducerKind::MeanMax, ReducerKind::Mean, ReducerKind::SampleMin, ReducerKind::SampleMax,
                      ReducerKind::SampleAbsMax})
        requests.push_back({"v", kind, -1});
    for (auto kind : {ReducerKind::Min, ReducerKind::Max, ReducerKind::MeanMin, ReducerKind::MeanMax,
                      ReducerKind::Mean, ReducerKind::MeanQuantileLow, ReducerKind::MeanQuantileHigh,
                      ReducerKind::SampleMin, ReducerKind::SampleMax, ReducerKind::SampleQuantileLow,
                      ReducerKind::SampleQuantileHigh})
        requests.push_back({"v", kind, 1, 0.1});
    std::vector<StatisticRequest> sources;
    for (const auto& r : requests) {
        const auto s = remap_sources(r, 1);
        ASSERT_FALSE(s.empty()) << r.key();
        sources.insert(sources.end(), s.begin(), s.end());
    }
    const Statistics before = measure(unique_requests(sources), x_);
    const Statistics after = measure(requests, apply_change(x_, change_));
    for (const auto& r : requests) {
        const auto mapped = remap_statistic(r, change_, before);
        ASSERT_TRUE(mapped.has_value()) << r.key();
        const Tensor& measured = after.get(r);
        EXPECT_EQ(mapped->shape(), measured.shape()) << r.key();
        const auto m = mapped->to_floats();
        const auto want = measured.to_floats();
        ASSERT_EQ(m.size(), want.size()) << r.key();
        for (size_t i = 0; i < m.size(); ++i)
            EXPECT_NEAR(m[i], want[i], 1e-5 * std::max(1.0f, std::fabs(want[i]))) << r.key() << " [" << i << "]";
    }
}

TEST_F(StatisticsMapping, PerTensorExtremesComeFromOtherChannelsAfterTheChange) {
    // The check above would pass trivially if the extremes stayed in one channel; here they move.
    const StatisticRequest max{"v", ReducerKind::Max, -1};
    const Statistics before = measure(remap_sources(max, 1), x_);
    const float scaled = remap_statistic(max, change_, before)->to_floats()[0];
    const float unscaled = measure({max}, x_).get(max).to_floats()[0];
    EXPECT_GT(std::fabs(scaled - unscaled), 1.0f);
}

TEST_F(StatisticsMapping, WhatCannotBeMappedIsLeftToMeasure) {
    StatisticRequest histogram{"v", ReducerKind::Histogram, -1};
    histogram.histogram = {-1.0, 1.0, 8};
    for (const auto& r : {StatisticRequest{"v", ReducerKind::MeanQuantileLow, -1},
                          StatisticRequest{"v", ReducerKind::SampleQuantileHigh, -1},
                          StatisticRequest{"v", ReducerKind::SampleAbsQuantile, -1},
                          StatisticRequest{"v", ReducerKind::AbsMax, 1},  // |x| is not monotone in x
                          StatisticRequest{"v", ReducerKind::SampleAbsMax, 1},
                          StatisticRequest{"v", ReducerKind::Max, 2},  // another axis
                          histogram}) {
        EXPECT_TRUE(remap_sources(r, 1).empty()) << r.key();
        EXPECT_FALSE(remap_statistic(r, change_, Statistics{}).has_value()) << r.key();
    }
}

TEST_F(StatisticsMapping, ChangesThatDoNotFitTheStatisticsAreRefused) {
    const StatisticRequest min{"v", ReducerKind::Min, 1};
    const Statistics before = measure({min}, x_);
    ChannelAffine fewer = change_;
    fewer.scale.pop_back();
    fewer.offset.pop_back();
    EXPECT_FALSE(remap_statistic(min, fewer, before).has_value());
    ChannelAffine flips = change_;
    flips.scale[2] = -1.0f;  // decreasing: the minimum would become a maximum
    EXPECT_FALSE(remap_statistic(min, flips, before).has_value());
    ChannelAffine nan = change_;
    nan.offset[0] = std::nanf("");
    EXPECT_FALSE(remap_statistic(min, nan, before).has_value());
    // Nothing collected: nothing mapped.
    EXPECT_FALSE(remap_statistic(min, change_, Statistics{}).has_value());
}

}  // namespace
}  // namespace pot::test
