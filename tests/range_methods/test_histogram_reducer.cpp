#include <cmath>

#include <gtest/gtest.h>

#include "histogram.hpp"
#include "pot/statistics.hpp"

namespace {

using pot::ReducerKind;
using pot::StatisticRequest;

StatisticRequest histogram_request(double low, double high, int64_t bins) {
    StatisticRequest r{"x", ReducerKind::Histogram, -1};
    r.histogram = {low, high, bins};
    return r;
}

pot::Tensor batch_of(const std::vector<float>& v) {
    return pot::Tensor::from_vector<float>({1, static_cast<int64_t>(v.size())}, v);
}

TEST(HistogramReducer, CountsEveryElementInItsBinAcrossBatches) {
    auto reducer = pot::make_reducer(histogram_request(0.0, 4.0, 4));
    reducer->update(batch_of({0.0f, 0.5f, 0.99f, 1.0f, 2.5f}));
    reducer->update(batch_of({3.0f, 3.5f, 3.999f, 1.5f}));
    const auto result = reducer->result();
    EXPECT_EQ(result.dtype(), pot::DType::I64);
    EXPECT_EQ(result.to_ints(), (std::vector<int64_t>{3, 2, 1, 3}));
}

TEST(HistogramReducer, ValuesOutsideTheRangeCountInTheEdgeBinsAndNanIsSkipped) {
    auto reducer = pot::make_reducer(histogram_request(-1.0, 1.0, 2));
    reducer->update(batch_of({-5.0f, -1.0f, 1.0f, 7.0f, std::nanf("")}));
    EXPECT_EQ(reducer->result().to_ints(), (std::vector<int64_t>{2, 2}));
}

TEST(HistogramReducer, RejectsAnEmptyRangeOrNoBinsOrAnAxis) {
    EXPECT_THROW(pot::make_reducer(histogram_request(1.0, 1.0, 8)), pot::Error);
    EXPECT_THROW(pot::make_reducer(histogram_request(0.0, 1.0, 0)), pot::Error);
    auto per_channel = histogram_request(0.0, 1.0, 8);
    per_channel.axis = 1;
    EXPECT_THROW(pot::make_reducer(per_channel), pot::Error);
}

TEST(HistogramReducer, ResultBeforeAnyDataThrows) {
    auto reducer = pot::make_reducer(histogram_request(0.0, 1.0, 8));
    EXPECT_THROW(reducer->result(), pot::Error);
}

TEST(HistogramReducer, KeyTellsRangesAndBinsApartAndLeavesOtherKindsAlone) {
    EXPECT_NE(histogram_request(0.0, 1.0, 8).key(), histogram_request(0.0, 1.0000001, 8).key());
    EXPECT_NE(histogram_request(0.0, 1.0, 8).key(), histogram_request(0.0, 1.0, 16).key());
    EXPECT_EQ((StatisticRequest{"x", ReducerKind::Max, -1}).key(), "x|max|-1");
    EXPECT_EQ((StatisticRequest{"x", ReducerKind::MeanQuantileHigh, -1, 0.01}).key(),
              "x|mean_quantile_high|-1|0.01");
    EXPECT_STREQ(pot::reducer_name(ReducerKind::Histogram), "histogram");
}

TEST(AbsHistogram, FoldingASymmetricHistogramAddsMirroredBins) {
    // Bins of [-2, 2] in 4: [-2,-1) [-1,0) [0,1) [1,2).
    const auto h = pot::min_max::fold_to_abs({5, 7, 11, 13}, 2.0);
    EXPECT_DOUBLE_EQ(h.bin_width, 1.0);
    EXPECT_EQ(h.counts, (std::vector<double>{18.0, 18.0}));
    EXPECT_THROW(pot::min_max::fold_to_abs({1, 2, 3}, 1.0), pot::Error);
}

TEST(AbsHistogram, ReducerThenFoldMatchesHistogramOfMagnitudes) {
    const std::vector<float> v = {-3.9f, -2.2f, -0.1f, 0.3f, 1.7f, 2.9f, 3.95f, -1.5f};
    auto reducer = pot::make_reducer(histogram_request(-4.0, 4.0, 8));
    reducer->update(batch_of(v));
    const auto folded = pot::min_max::fold_to_abs(reducer->result().to_ints(), 4.0);
    EXPECT_EQ(folded.counts, (std::vector<double>{2.0, 2.0, 2.0, 2.0}));
    EXPECT_NEAR(folded.mean_abs(), (0.5 + 0.5 + 1.5 + 1.5 + 2.5 + 2.5 + 3.5 + 3.5) / 8.0, 1e-12);
}

}  // namespace
