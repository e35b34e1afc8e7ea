#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "bias_fixtures.hpp"
#include "graph_builder.hpp"
#include "smoothing.hpp"  // plugins/algorithms/smooth_quant

namespace {

using pot::Graph;
using pot::test::PluginHost;

constexpr int64_t kTokens = 5;
constexpr int64_t kSmoothChannels = 8;
constexpr int64_t kOutlier = 3;  // the channel the affine map blows up

// The scale and shift of a LayerNorm, written out: channel kOutlier gets gamma 40, the others 0.5
// to 1.5.
std::pair<pot::Tensor, pot::Tensor> outlier_affine() {
    pot::Tensor gamma = pot::test::random_tensor({kSmoothChannels}, 1, 0.5f, 1.5f);
    gamma.data<float>()[kOutlier] = 40.0f;
    return {gamma, pot::test::random_tensor({kSmoothChannels}, 2, -0.2f, 0.2f)};
}

// input [N, 5, 8] -> Mul gamma -> Add beta ("affine") -> MatMul [8, 6] -> output, with the shapes
// an exporter records. `extra_reader` adds a Relu reading the affine output as a second output.
Graph affine_matmul_model(bool extra_reader = false, bool with_value_info = true) {
    pot::test::GraphBuilder b("affine_matmul");
    const auto x = b.input("input", {-1, kTokens, kSmoothChannels});
    const auto [gamma, beta] = outlier_affine();
    const auto scaled = b.node("Mul", {x, b.constant("gamma", gamma)}, {}, "scale");
    const auto affine = b.node("Add", {scaled, b.constant("beta", beta)}, {}, "affine");
    const auto y = b.node("MatMul", {affine, b.constant("w", pot::test::random_tensor({kSmoothChannels, 6}, 3))},
                          {}, "linear");
    b.output(y);
    if (extra_reader) b.output(b.node("Relu", {affine}, {}, "relu"));
    if (with_value_info) {
        for (const auto& value : {scaled, affine})
            b.graph().value_info[value] = {value, pot::DType::F32, {-1, kTokens, kSmoothChannels}};
    }
    return b.build();
}

// input [N, 8] -> Mul gamma -> Add beta -> both MatMul [8, 6] and Gemm (transB, weight [4, 8]);
// the output is their concatenation.
Graph shared_affine_model() {
    pot::test::GraphBuilder b("shared_affine");
    const auto x = b.input("input", {-1, kSmoothChannels});
    const auto [gamma, beta] = outlier_affine();
    const auto scaled = b.node("Mul", {x, b.constant("gamma", gamma)}, {}, "scale");
    const auto affine = b.node("Add", {scaled, b.constant("beta", beta)}, {}, "affine");
    const auto m = b.node("MatMul", {affine, b.constant("w", pot::test::random_tensor({kSmoothChannels, 6}, 3))},
                          {}, "matmul");
    const auto g = b.node("Gemm", {affine, b.constant("wt", pot::test::random_tensor({4, kSmoothChannels}, 4))},
                          {{"transB", int64_t{1}}}, "gemm");
    b.output(b.node("Concat", {m, g}, {{"axis", int64_t{1}}}, "concat"));
    b.graph().value_info[affine] = {affine, pot::DType::F32, {-1, kSmoothChannels}};
    return b.build();
}

class SmoothQuant : public testing::Test {
protected:
    PluginHost host_;
    pot::test::VectorData data_{pot::test::random_samples(16, {1, kTokens, kSmoothChannels}, 40)};

    // max |x| of each channel (last axis) of `value` over the samples.
    std::vector<float> channel_max(const Graph& g, const std::string& value, int64_t axis = 2) {
        const pot::StatisticRequest request{value, pot::ReducerKind::AbsMax, axis};
        const auto model = host_.engine().compile(g);
        return host_.engine().collect(*model, data_, {request}, {}, nullptr).floats(request);
    }

    static float spread(std::vector<float> v) {
        std::sort(v.begin(), v.end());
        return v.back() / v[v.size() / 2];
    }

    nlohmann::json smooth(Graph& g, const std::string& params = "{}") {
        return pot::test::run_pipeline(host_, {{"SmoothQuant", params}}, g, data_);
    }
};

TEST(SmoothingFactors, FollowTheFormulaAndItsBounds) {
    // s = x^alpha / w^(1 - alpha)
    const auto half = pot::smooth_quant::smoothing_factors({4.0f, 9.0f, 1.0f}, {1.0f, 4.0f, 16.0f}, 0.5);
    EXPECT_FLOAT_EQ(half[0], 2.0f);
    EXPECT_FLOAT_EQ(half[1], 1.5f);
    EXPECT_FLOAT_EQ(half[2], 0.25f);
    const auto all = pot::smooth_quant::smoothing_factors({4.0f, 9.0f}, {1.0f, 4.0f}, 1.0);
    EXPECT_FLOAT_EQ(all[0], 4.0f);
    EXPECT_FLOAT_EQ(all[1], 9.0f);
    // A channel that never fires, or whose weights are all 0, is left alone; extremes are clipped.
    const auto edge = pot::smooth_quant::smoothing_factors({0.0f, 2.0f, 1e9f, 1e-9f},
                                                           {1.0f, 0.0f, 1e-9f, 1e9f}, 0.5);
    EXPECT_EQ(edge[0], 1.0f);
    EXPECT_EQ(edge[1], 1.0f);
    EXPECT_EQ(edge[2], pot::smooth_quant::kMaxFactor);
    EXPECT_EQ(edge[3], pot::smooth_quant::kMinFactor);
}

TEST_F(SmoothQuant, KeepsTheFunction) {
    const Graph fp32 = affine_matmul_model();
    Graph smoothed = fp32;
    smooth(smoothed);
    EXPECT_NE(smoothed.constant("gamma").to_floats(), fp32.constant("gamma").to_floats());
    EXPECT_LT(pot::test::max_relative_difference(pot::test::run_model(host_, fp32, data_),
                                                 pot::test::run_model(host_, smoothed, data_)),
              1e-5);
}

TEST_F(SmoothQuant, ShrinksTheOutlierChannelAndReportsIt) {
    const Graph fp32 = affine_matmul_model();
    Graph smoothed = fp32;
    const auto report = smooth(smoothed, R"({"alpha": 0.5})");
    const auto before = channel_max(fp32, "affine_out");
    const auto after = channel_max(smoothed, "affine_out");
    EXPECT_GT(spread(before), 20.0f);
    // alpha 0.5 takes about the square root of the activation's spread (weights are similar).
    EXPECT_LT(spread(after), spread(before) / 4);
    const auto& sites = report.at("SmoothQuant").at("sites");
    ASSERT_EQ(sites.size(), 1u);
    EXPECT_EQ(sites[0].at("activation"), "affine_out");
    EXPECT_EQ(sites[0].at("consumers"), nlohmann::json::array({"linear"}));
    EXPECT_NEAR(sites[0].at("activation_spread_before").get<double>(), spread(before), 1e-3);
    EXPECT_NEAR(sites[0].at("activation_spread_after").get<double>(), spread(after),
                1e-3 * spread(after));
}

TEST_F(SmoothQuant, AlphaZeroFlattensTheWeightsInstead) {
    Graph smoothed = affine_matmul_model();
    const auto report = smooth(smoothed, R"({"alpha": 0.0})");
    const auto& site = report.at("SmoothQuant").at("sites").at(0);
    EXPECT_NEAR(site.at("weight_spread_after").get<double>(), 1.0, 1e-5);
}

TEST_F(SmoothQuant, ScalesEveryConsumerOfASharedActivation) {
    pot::test::VectorData data{pot::test::random_samples(16, {1, kSmoothChannels}, 41)};
    const Graph fp32 = shared_affine_model();
    Graph smoothed = fp32;
    const auto report = pot::test::run_pipeline(host_, {{"SmoothQuant", "{}"}}, smoothed, data);
    EXPECT_EQ(report.at("SmoothQuant").at("sites").at(0).at("consumers"),
              nlohmann::json::array({"matmul", "gemm"}));
    EXPECT_NE(smoothed.constant("w").to_floats(), fp32.constant("w").to_floats());
    EXPECT_NE(smoothed.constant("wt").to_floats(), fp32.constant("wt").to_floats());
    EXPECT_LT(pot::test::max_relative_difference(pot::test::run_model(host_, fp32, data),
                                                 pot::test::run_model(host_, smoothed, data)),
              1e-5);
}

TEST_F(SmoothQuant, LeavesAnActivationWithAnotherKindOfReaderAlone) {
    const Graph fp32 = affine_matmul_model(/*extra_reader=*/true);
    Graph g = fp32;
    const auto report = smooth(g);
    EXPECT_TRUE(report.at("SmoothQuant").at("sites").empty());
    EXPECT_EQ(g.constant("gamma").to_floats(), fp32.constant("gamma").to_floats());
    EXPECT_EQ(g.constant("w").to_floats(), fp32.constant("w").to_floats());
}

TEST_F(SmoothQuant, LeavesAnActivationOfUnknownShapeAlone) {
    const Graph fp32 = affine_matmul_model(false, /*with_value_info=*/false);
    Graph g = fp32;
    EXPECT_TRUE(smooth(g).at("SmoothQuant").at("sites").empty());
    EXPECT_EQ(g.constant("gamma").to_floats(), fp32.constant("gamma").to_floats());
}

TEST_F(SmoothQuant, IgnoredConsumerKeepsTheSiteAlone) {
    Graph g = affine_matmul_model();
    EXPECT_TRUE(smooth(g, R"({"ignored": {"scope": ["linear"]}})").at("SmoothQuant").at("sites").empty());
}

TEST_F(SmoothQuant, AlphaOutsideTheUnitIntervalIsAConfigError) {
    Graph g = affine_matmul_model();
    try {
        smooth(g, R"({"alpha": 1.5})");
        ADD_FAILURE() << "alpha 1.5 accepted";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("alpha"), std::string::npos) << e.what();
    }
}

TEST_F(SmoothQuant, RunsInsideDefaultQuantizationWhenAskedFor) {
    Graph g = affine_matmul_model();
    const auto report = pot::test::run_pipeline(
        host_, {{"DefaultQuantization", R"({"smooth_quant": {"alpha": 0.6}})"}}, g, data_);
    ASSERT_TRUE(report.contains("SmoothQuant"));
    EXPECT_EQ(report.at("SmoothQuant").at("sites").size(), 1u);
    EXPECT_TRUE(report.contains("MinMaxQuantization"));
}

}  // namespace
