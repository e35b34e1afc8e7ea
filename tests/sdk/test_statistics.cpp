#include <gtest/gtest.h>

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
