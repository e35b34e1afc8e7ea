#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "pot/statistics.hpp"

namespace {

using pot::ReducerKind;
using pot::StatisticRequest;
using pot::Tensor;

Tensor batch_of(const std::vector<std::vector<float>>& samples) {
    std::vector<float> flat;
    for (const auto& s : samples) flat.insert(flat.end(), s.begin(), s.end());
    return Tensor::from_vector<float>({static_cast<int64_t>(samples.size()),
                                       static_cast<int64_t>(samples[0].size())}, flat);
}

float reduce(ReducerKind kind, const std::vector<Tensor>& batches, double q = 1e-4) {
    auto reducer = pot::make_reducer(StatisticRequest{"x", kind, -1, q});
    for (const auto& b : batches) reducer->update(b);
    return reducer->result().to_floats().at(0);
}

TEST(Reducers, GlobalMinAndMaxSpanEveryBatch) {
    const std::vector<Tensor> batches = {batch_of({{1, -2, 3}}), batch_of({{0, 9, -4}, {2, 2, 2}})};
    EXPECT_FLOAT_EQ(reduce(ReducerKind::Min, batches), -4.0f);
    EXPECT_FLOAT_EQ(reduce(ReducerKind::Max, batches), 9.0f);
    EXPECT_FLOAT_EQ(reduce(ReducerKind::AbsMax, batches), 9.0f);
}

TEST(Reducers, MeanMinMaxAverageThePerSampleExtremes) {
    // Per-sample minima -2, -4, 2 -> mean -4/3; maxima 3, 9, 2 -> mean 14/3.
    const std::vector<Tensor> batches = {batch_of({{1, -2, 3}}), batch_of({{0, 9, -4}, {2, 2, 2}})};
    EXPECT_NEAR(reduce(ReducerKind::MeanMin, batches), -4.0 / 3.0, 1e-6);
    EXPECT_NEAR(reduce(ReducerKind::MeanMax, batches), 14.0 / 3.0, 1e-6);
}

TEST(Reducers, MeanIsTheMeanOfAllElements) {
    EXPECT_NEAR(reduce(ReducerKind::Mean, {batch_of({{1, 2}, {3, 6}})}), 3.0, 1e-6);
}

TEST(Reducers, QuantileInterpolatesLikeNumpy) {
    // One sample 0..100: the 0.1 quantile is 10, the 0.9 quantile 90; with 0.015, 1.5 and 98.5.
    std::vector<float> v(101);
    for (int i = 0; i <= 100; ++i) v[static_cast<size_t>(i)] = static_cast<float>(100 - i);
    EXPECT_NEAR(reduce(ReducerKind::MeanQuantileLow, {batch_of({v})}, 0.1), 10.0, 1e-5);
    EXPECT_NEAR(reduce(ReducerKind::MeanQuantileHigh, {batch_of({v})}, 0.1), 90.0, 1e-5);
    EXPECT_NEAR(reduce(ReducerKind::MeanQuantileLow, {batch_of({v})}, 0.015), 1.5, 1e-5);
    EXPECT_NEAR(reduce(ReducerKind::MeanQuantileHigh, {batch_of({v})}, 0.015), 98.5, 1e-5);
}

TEST(Reducers, PerSampleKindsKeepOneRowPerSample) {
    const std::vector<Tensor> batches = {batch_of({{1, -2, 3}}), batch_of({{0, 9, -4}, {2, 2, 2}})};
    const auto rows = [&](ReducerKind kind, double q) {
        auto reducer = pot::make_reducer(StatisticRequest{"x", kind, -1, q});
        for (const auto& b : batches) reducer->update(b);
        const Tensor r = reducer->result();
        EXPECT_EQ(r.shape(), (std::vector<int64_t>{3}));
        return r.to_floats();
    };
    EXPECT_EQ(rows(ReducerKind::SampleMin, 1e-4), (std::vector<float>{-2, -4, 2}));
    EXPECT_EQ(rows(ReducerKind::SampleMax, 1e-4), (std::vector<float>{3, 9, 2}));
    EXPECT_EQ(rows(ReducerKind::SampleAbsMax, 1e-4), (std::vector<float>{3, 9, 2}));
    // Three values per sample: the 0.25 quantile sits halfway between the two smallest.
    EXPECT_EQ(rows(ReducerKind::SampleQuantileLow, 0.25), (std::vector<float>{-0.5f, -2.0f, 2.0f}));
    EXPECT_EQ(rows(ReducerKind::SampleQuantileHigh, 0.25), (std::vector<float>{2.0f, 4.5f, 2.0f}));
    // |x| of the second sample is {0, 9, 4}: its 0.75 quantile is 6.5.
    EXPECT_EQ(rows(ReducerKind::SampleAbsQuantile, 0.25), (std::vector<float>{2.5f, 6.5f, 2.0f}));
}

TEST(Reducers, PerSampleKindsKeepTheChannelAxisToo) {
    // [N=2, C=2, 2]: sample 0 channels {1, 5}, {-3, 2}; sample 1 channels {0, -1}, {7, 4}.
    const Tensor t = Tensor::from_vector<float>({2, 2, 2}, {1, 5, -3, 2, 0, -1, 7, 4});
    auto reducer = pot::make_reducer(StatisticRequest{"x", ReducerKind::SampleMin, 1});
    reducer->update(t);
    const Tensor r = reducer->result();
    EXPECT_EQ(r.shape(), (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(r.to_floats(), (std::vector<float>{1, -3, -1, 4}));
    EXPECT_TRUE(pot::is_per_sample(ReducerKind::SampleAbsQuantile));
    EXPECT_FALSE(pot::is_per_sample(ReducerKind::MeanQuantileHigh));
    // Quantile requests that differ only in the quantile are different statistics.
    EXPECT_NE((StatisticRequest{"x", ReducerKind::SampleAbsQuantile, -1, 0.01}).key(),
              (StatisticRequest{"x", ReducerKind::SampleAbsQuantile, -1, 0.02}).key());
}

TEST(Reducers, PerChannelKeepsTheChannelAxis) {
    // [N=1, C=2, 2]: channel 0 = {1, 5}, channel 1 = {-3, 2}
    const Tensor t = Tensor::from_vector<float>({1, 2, 2}, {1, 5, -3, 2});
    auto reducer = pot::make_reducer(StatisticRequest{"x", ReducerKind::Max, 1});
    reducer->update(t);
    EXPECT_EQ(reducer->result().to_floats(), (std::vector<float>{5, 2}));
    auto mean = pot::make_reducer(StatisticRequest{"x", ReducerKind::Mean, 1});
    mean->update(t);
    mean->update(t);
    EXPECT_EQ(mean->result().to_floats(), (std::vector<float>{3, -0.5}));
}

TEST(Reducers, ResultWithoutDataIsAnError) {
    auto reducer = pot::make_reducer(StatisticRequest{"x", ReducerKind::Max, -1});
    EXPECT_THROW(reducer->result(), pot::Error);
}

TEST(Reducers, ChannelAxisOutOfRangeIsAnError) {
    auto reducer = pot::make_reducer(StatisticRequest{"x", ReducerKind::Max, 3});
    EXPECT_THROW(reducer->update(batch_of({{1, 2}})), pot::Error);
}

// Sorted-copy reference for a numpy-style quantile.
double sorted_quantile(std::vector<float> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

TEST(Reducers, QuantilesNearTheEndsMatchASortedCopy) {
    // Small quantiles take a one-read path that keeps the few extreme values; the middle ones
    // select on a copy. Both must agree with sorting, per tensor and per channel.
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> values(2 * 3 * 500);
    for (auto& v : values) v = normal(rng);
    const Tensor t = Tensor::from_vector<float>({2, 3, 500}, values);
    for (const double q : {0.0, 1e-4, 0.003, 0.01, 0.2, 0.5}) {
        for (const auto kind : {ReducerKind::MeanQuantileLow, ReducerKind::MeanQuantileHigh}) {
            const double wanted_q = kind == ReducerKind::MeanQuantileLow ? q : 1.0 - q;
            auto per_channel = pot::make_reducer(StatisticRequest{"x", kind, 1, q});
            per_channel->update(t);
            const auto got = per_channel->result().to_floats();
            for (size_t c = 0; c < 3; ++c) {
                double expected = 0;
                for (size_t b = 0; b < 2; ++b) {
                    const auto first = values.begin() + static_cast<std::ptrdiff_t>((b * 3 + c) * 500);
                    expected += sorted_quantile({first, first + 500}, wanted_q) / 2;
                }
                EXPECT_NEAR(got[c], expected, 1e-5) << "q " << q << " channel " << c;
            }
            auto per_tensor = pot::make_reducer(StatisticRequest{"x", kind, -1, q});
            per_tensor->update(t);
            const double expected = (sorted_quantile({values.begin(), values.begin() + 1500}, wanted_q) +
                                     sorted_quantile({values.begin() + 1500, values.end()}, wanted_q)) / 2;
            EXPECT_NEAR(per_tensor->result().to_floats()[0], expected, 1e-5) << "q " << q;
        }
    }
}

TEST(Reducers, QuantilesOfLargeTensorsMatchASortedCopyOnBothPaths) {
    // 6000 values: the 1e-4 quantile (order statistics 0 and 1) comes from the few extreme values,
    // the 0.1 quantile and the median (600, 3000) from selection on a copy; ties and descending
    // runs included.
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> small(-50, 50);
    std::vector<float> values(6000);
    for (size_t i = 0; i < values.size(); ++i)
        values[i] = i < 2000 ? static_cast<float>(small(rng)) : static_cast<float>(6000 - static_cast<int>(i)) / 7.0f;
    const Tensor t = Tensor::from_vector<float>({1, 6000}, values);
    for (const double q : {1e-4, 0.1, 0.5}) {
        for (const auto kind : {ReducerKind::MeanQuantileLow, ReducerKind::MeanQuantileHigh}) {
            auto reducer = pot::make_reducer(StatisticRequest{"x", kind, -1, q});
            reducer->update(t);
            const double wanted_q = kind == ReducerKind::MeanQuantileLow ? q : 1.0 - q;
            const double expected = sorted_quantile(values, wanted_q);  // a float result: relative tolerance
            EXPECT_NEAR(reducer->result().to_floats()[0], expected, 1e-6 * std::max(1.0, std::fabs(expected))) << "q " << q;
        }
    }
}

TEST(Reducers, ChannelsInnermostBuffersGiveThePlainLayoutsStatistics) {
    // The same values as [N, C, H*W] tensors and as [N, H*W, C] buffers read in place (channel axis
    // 2): every per-channel statistic agrees. 3000 rows per channel put the 1e-4 and 1 - 1e-4
    // quantiles on the row scan of few extremes, 0.2 on the gathering path; ties, a descending
    // run and a NaN included.
    constexpr int64_t kBatch = 2, kChannels = 5, kRows = 3000;
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> small(-40, 40);
    std::vector<float> plain(static_cast<size_t>(kBatch * kChannels * kRows));
    for (size_t i = 0; i < plain.size(); ++i)
        plain[i] = i % 3 == 0 ? static_cast<float>(small(rng)) : static_cast<float>(static_cast<int64_t>(plain.size() - i) % 997) / 9.0f;
    plain[4321] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> innermost(plain.size());
    for (int64_t b = 0; b < kBatch; ++b)
        for (int64_t c = 0; c < kChannels; ++c)
            for (int64_t r = 0; r < kRows; ++r)
                innermost[static_cast<size_t>((b * kRows + r) * kChannels + c)] =
                    plain[static_cast<size_t>((b * kChannels + c) * kRows + r)];
    std::vector<StatisticRequest> by_channel, by_row;
    for (const auto kind : {ReducerKind::MeanQuantileLow, ReducerKind::MeanQuantileHigh, ReducerKind::SampleQuantileLow,
                            ReducerKind::SampleQuantileHigh, ReducerKind::SampleAbsQuantile, ReducerKind::SampleMin,
                            ReducerKind::SampleMax, ReducerKind::SampleAbsMax, ReducerKind::Mean, ReducerKind::MeanMax})
        for (const double q : {1e-4, 0.2}) {
            by_channel.push_back(StatisticRequest{"x", kind, 1, q});
            by_row.push_back(StatisticRequest{"x", kind, 2, q});
        }
    pot::ValueReducer expected(by_channel), got(by_row);
    expected.update(Tensor::from_vector<float>({kBatch, kChannels, kRows}, plain));
    got.update(innermost.data(), {kBatch, kRows, kChannels});
    for (size_t i = 0; i < by_channel.size(); ++i) {
        const auto want = expected.result(i).to_floats(), have = got.result(i).to_floats();
        ASSERT_EQ(want.size(), have.size()) << by_channel[i].key();
        for (size_t k = 0; k < want.size(); ++k) {
            if (std::isnan(want[k])) {
                EXPECT_TRUE(std::isnan(have[k])) << by_channel[i].key() << " [" << k << "]";
                continue;
            }
            EXPECT_NEAR(have[k], want[k], 1e-5 * std::max(1.0f, std::fabs(want[k]))) << by_channel[i].key() << " [" << k << "]";
        }
    }
}

TEST(Reducers, ValueReducerAgreesWithSeparateReducers) {
    // One value's statistics of every kind, per tensor and on two channel axes, fed together in
    // batches of different sizes (and with a NaN, which min/max skip): each result equals what
    // a reducer of its own computes.
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> uniform(-3.0f, 5.0f);
    std::vector<Tensor> batches;
    for (const int64_t n : {1, 3, 2}) {
        std::vector<float> v(static_cast<size_t>(n * 4 * 6 * 5));
        for (auto& x : v) x = uniform(rng);
        if (n == 3) v[17] = std::numeric_limits<float>::quiet_NaN();
        batches.push_back(Tensor::from_vector<float>({n, 4, 6, 5}, v));
    }
    std::vector<StatisticRequest> requests;
    for (const auto kind : {ReducerKind::Min, ReducerKind::Max, ReducerKind::AbsMax, ReducerKind::MeanMin,
                            ReducerKind::MeanMax, ReducerKind::MeanQuantileLow, ReducerKind::MeanQuantileHigh})
        for (const int64_t axis : {-1, 1, 2}) requests.push_back(StatisticRequest{"x", kind, axis, 0.01});
    StatisticRequest histogram{"x", ReducerKind::Histogram};
    histogram.histogram = {-3.0, 5.0, 64};
    requests.push_back(histogram);
    pot::ValueReducer together(requests);
    for (const auto& b : batches) together.update(b);
    for (size_t i = 0; i < requests.size(); ++i) {
        auto alone = pot::make_reducer(requests[i]);
        for (const auto& b : batches) {
            if (requests[i].reducer == ReducerKind::MeanQuantileLow ||
                requests[i].reducer == ReducerKind::MeanQuantileHigh)
                continue;  // NaN has no place in an order; checked without it above
            alone->update(b);
        }
        if (requests[i].reducer == ReducerKind::MeanQuantileLow ||
            requests[i].reducer == ReducerKind::MeanQuantileHigh)
            continue;
        EXPECT_EQ(together.result(i).to_floats(), alone->result().to_floats()) << requests[i].key();
    }
    // The NaN-free statistics by hand: per-tensor min over everything but the NaN.
    float lowest = std::numeric_limits<float>::infinity();
    for (const auto& b : batches)
        for (const float x : b.to_floats())
            if (!std::isnan(x)) lowest = std::min(lowest, x);
    EXPECT_EQ(together.result(0).to_floats()[0], lowest);
}

TEST(Reducers, MeansAreExactPerChannelAndPerTensorTogether) {
    // [N=2, C=2, 3]: channel 0 = {1,2,3}, {4,5,6}; channel 1 = {-1,-1,-1}, {0,0,3}.
    const Tensor t = Tensor::from_vector<float>({2, 2, 3}, {1, 2, 3, -1, -1, -1, 4, 5, 6, 0, 0, 3});
    pot::ValueReducer r({{"x", ReducerKind::Mean, 1}, {"x", ReducerKind::Mean, -1},
                         {"x", ReducerKind::MeanMax, -1}});
    r.update(t);
    EXPECT_EQ(r.result(0).to_floats(), (std::vector<float>{3.5f, 0.0f}));
    EXPECT_FLOAT_EQ(r.result(1).to_floats()[0], 21.0f / 12.0f);
    EXPECT_FLOAT_EQ(r.result(2).to_floats()[0], (3.0f + 6.0f) / 2.0f);
}

TEST(Reducers, ValueReducerRejectsMixedValues) {
    EXPECT_THROW(pot::ValueReducer({{"a", ReducerKind::Min}, {"b", ReducerKind::Min}}), pot::Error);
}

TEST(Statistics, MissingStatisticNamesTheValue) {
    pot::Statistics stats;
    try {
        stats.get(StatisticRequest{"conv1_out", ReducerKind::Min});
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("conv1_out"), std::string::npos);
    }
}

TEST(Statistics, DuplicateRequestsCollapse) {
    const std::vector<StatisticRequest> r = {{"a", ReducerKind::Min}, {"a", ReducerKind::Min},
                                             {"a", ReducerKind::Max}};
    EXPECT_EQ(pot::unique_requests(r).size(), 2u);
}

}  // namespace
