#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "bias_fixtures.hpp"
#include "graph_builder.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;

constexpr int64_t kChannels = 6;

// Conv 3->6 (3x3, pad 1) whose output channels have very different widths and centres, then
// [Relu], then a Conv 6->4 with kernel `consumer_kernel`.
Graph conv_pair_model(bool relu, int64_t consumer_kernel = 1) {
    pot::test::GraphBuilder b("conv_pair");
    const auto x = b.input("input", {-1, 3, 8, 8});
    pot::Tensor w1 = pot::test::random_tensor({kChannels, 3, 3, 3}, 3, -0.5f, 0.5f);
    const float gain[kChannels] = {0.05f, 0.3f, 1.0f, 2.0f, 8.0f, 20.0f};
    for (int64_t c = 0; c < kChannels; ++c)
        for (int64_t i = 0; i < 27; ++i) w1.data<float>()[c * 27 + i] *= gain[c];
    const auto b1 = b.constant("b1", pot::Tensor::from_vector<float>(
                                         {kChannels}, {3.0f, -2.0f, 0.5f, 1.0f, -6.0f, 10.0f}));
    const auto c1 = b.node("Conv", {x, b.constant("w1", w1), b1},
                           {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}, "producer");
    const auto mid = relu ? b.node("Relu", {c1}, {}, "relu") : c1;
    const auto w2 = b.constant(
        "w2", pot::test::random_tensor({4, kChannels, consumer_kernel, consumer_kernel}, 4));
    const auto b2 = b.constant("b2", pot::test::random_tensor({4}, 5));
    const auto y = b.node("Conv", {mid, w2, b2}, {}, "consumer");
    b.output(y);
    return b.build();
}

class ChannelAlignment : public testing::Test {
protected:
    PluginHost host_;
    pot::test::VectorData data_{pot::test::random_samples(16, {1, 3, 8, 8}, 40)};

    // Per-channel [1e-4, 1 - 1e-4] quantile ranges of `value`, as the algorithm measures them.
    std::pair<std::vector<float>, std::vector<float>> ranges(const Graph& g,
                                                             const std::string& value) {
        const pot::StatisticRequest low{value, pot::ReducerKind::MeanQuantileLow, 1, 1e-4};
        const pot::StatisticRequest high{value, pot::ReducerKind::MeanQuantileHigh, 1, 1e-4};
        const auto model = host_.engine().compile(g);
        const auto stats = host_.engine().collect(*model, data_, {low, high}, {}, nullptr);
        return {stats.floats(low), stats.floats(high)};
    }

    // Widest over narrowest channel range; channels that are always 0 (dead after a Relu) have no
    // range to align and are left out.
    static float spread(const std::pair<std::vector<float>, std::vector<float>>& r) {
        std::vector<float> width;
        for (size_t c = 0; c < r.first.size(); ++c)
            if (r.second[c] > r.first[c]) width.push_back(r.second[c] - r.first[c]);
        return *std::max_element(width.begin(), width.end()) /
               *std::min_element(width.begin(), width.end());
    }

    nlohmann::json align(Graph& g) {
        return pot::test::run_pipeline(host_, {{"ActivationChannelAlignment", "{}"}}, g, data_);
    }
};

TEST_F(ChannelAlignment, DirectPairComputesTheSameFunction) {
    const Graph fp32 = conv_pair_model(false);
    Graph aligned = fp32;
    align(aligned);
    EXPECT_LT(pot::test::max_relative_difference(pot::test::run_model(host_, fp32, data_),
                                                 pot::test::run_model(host_, aligned, data_)),
              1e-4);
}

TEST_F(ChannelAlignment, DirectPairRangesBecomeUniformAndCentred) {
    const Graph fp32 = conv_pair_model(false);
    Graph aligned = fp32;
    align(aligned);
    const auto before = ranges(fp32, "producer_out");
    const auto after = ranges(aligned, "producer_out");
    EXPECT_GT(spread(before), 100.0f);
    EXPECT_LT(spread(after), 1.05f);
    for (size_t c = 0; c < after.first.size(); ++c) {
        const float width = after.second[c] - after.first[c];
        EXPECT_LT(std::fabs(after.second[c] + after.first[c]) / 2, 0.01f * width)
            << "channel " << c;
    }
}

TEST_F(ChannelAlignment, ThroughReluOnlyScalesAndStaysExact) {
    const Graph fp32 = conv_pair_model(true);
    Graph aligned = fp32;
    const auto report = align(aligned);
    EXPECT_LT(pot::test::max_relative_difference(pot::test::run_model(host_, fp32, data_),
                                                 pot::test::run_model(host_, aligned, data_)),
              1e-4);
    EXPECT_LT(spread(ranges(aligned, "relu_out")), spread(ranges(fp32, "relu_out")) / 10);
    // No shift through a Relu: every producer bias keeps its sign, the consumer bias is unchanged.
    const auto b1_before = fp32.constant("b1").to_floats(),
               b1_after = aligned.constant("b1").to_floats();
    for (size_t c = 0; c < b1_before.size(); ++c) EXPECT_EQ(b1_before[c] > 0, b1_after[c] > 0);
    EXPECT_EQ(aligned.constant("b2").to_floats(), fp32.constant("b2").to_floats());
    ASSERT_EQ(report.at("ActivationChannelAlignment").at("pairs").size(), 1u);
    EXPECT_TRUE(
        report.at("ActivationChannelAlignment").at("pairs")[0].at("through_relu").get<bool>());
}

TEST_F(ChannelAlignment, ReportsEachPairWithItsRangeSpread) {
    Graph g = conv_pair_model(false);
    const auto report = align(g);
    const auto& pairs = report.at("ActivationChannelAlignment").at("pairs");
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0].at("producer"), "producer");
    EXPECT_EQ(pairs[0].at("consumer"), "consumer");
    EXPECT_GT(pairs[0].at("range_spread_before").get<double>(), 10.0);
    EXPECT_LT(pairs[0].at("range_spread_after").get<double>(), 1.1);
}

TEST_F(ChannelAlignment, LeavesAConsumerWithASpatialKernelAlone) {
    const Graph fp32 = conv_pair_model(false, 3);
    Graph g = fp32;
    const auto report = align(g);
    EXPECT_TRUE(report.at("ActivationChannelAlignment").at("pairs").empty());
    EXPECT_EQ(g.constant("w1").to_floats(), fp32.constant("w1").to_floats());
    EXPECT_EQ(g.constant("w2").to_floats(), fp32.constant("w2").to_floats());
}

TEST_F(ChannelAlignment, LeavesAProducerWithASecondReaderAlone) {
    Graph g = conv_pair_model(false);
    g.outputs.push_back({"producer_out", pot::DType::F32, {}});
    const pot::Tensor w1 = g.constant("w1");
    align(g);
    EXPECT_EQ(g.constant("w1").to_floats(), w1.to_floats());
}

TEST_F(ChannelAlignment, IgnoredScopeKeepsAPairUntouched) {
    Graph g = conv_pair_model(false);
    const pot::Tensor w2 = g.constant("w2");
    pot::test::run_pipeline(
        host_, {{"ActivationChannelAlignment", R"({"ignored": {"scope": ["consumer"]}})"}}, g,
        data_);
    EXPECT_EQ(g.constant("w2").to_floats(), w2.to_floats());
}

}  // namespace
