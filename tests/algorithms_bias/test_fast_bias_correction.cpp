#include <gtest/gtest.h>

#include "bias_fixtures.hpp"
#include "pot/fake_quantize_node.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;

class FastBiasCorrection : public testing::Test {
protected:
    PluginHost host_;
    pot::test::VectorData data_ = pot::test::positive_samples(24, {1, 8, 10, 10}, 500);

    // Mean output error (vs FP32) of `fp32` quantized by MinMax alone and by MinMax + `correction`.
    std::pair<double, double> errors(const Graph& fp32, const std::string& correction,
                                     const std::string& params, const pot::DataLoader& data,
                                     int64_t axis = 1) {
        const auto reference =
            pot::test::output_channel_means(pot::test::run_model(host_, fp32, data), axis);
        Graph min_max = fp32;
        pot::test::run_pipeline(host_, {{"MinMaxQuantization", "{}"}}, min_max, data);
        Graph corrected = fp32;
        reports_ = pot::test::run_pipeline(
            host_, {{"MinMaxQuantization", "{}"}, {correction, params}}, corrected, data);
        corrected_ = corrected;
        const auto before =
            pot::test::output_channel_means(pot::test::run_model(host_, min_max, data), axis);
        const auto after =
            pot::test::output_channel_means(pot::test::run_model(host_, corrected, data), axis);
        return {pot::test::mean_abs_difference(before, reference),
                pot::test::mean_abs_difference(after, reference)};
    }

    nlohmann::json reports_;
    Graph corrected_;
};

TEST_F(FastBiasCorrection, RestoresTheMeanOutputOfAConvWithBiasedWeightRounding) {
    const auto [before, after] =
        errors(pot::test::biased_conv_model(), "FastBiasCorrection", "{}", data_);
    // Each of the 71 rounded weights loses 0.4 / 127 on inputs averaging 0.5.
    EXPECT_GT(before, 0.05);
    EXPECT_LT(after * 5, before) << "before " << before << ", after " << after;
}

TEST_F(FastBiasCorrection, CorrectsTheAddAfterAMatMul) {
    const auto data = pot::test::positive_samples(32, {1, 32, 16}, 900);
    const auto [before, after] =
        errors(pot::test::biased_matmul_model(), "FastBiasCorrection", "{}", data, 2);
    EXPECT_GT(before, 0.01);
    EXPECT_LT(after * 5, before) << "before " << before << ", after " << after;
    // The Add's constant carries the correction.
    EXPECT_NE(corrected_.constant("b").to_floats()[0], 0.5f);
}

TEST_F(FastBiasCorrection, ReportsTheShiftOfEveryQuantizedOp) {
    errors(pot::test::biased_conv_model(), "FastBiasCorrection", "{}", data_);
    const auto& biases = reports_.at("FastBiasCorrection").at("biases");
    ASSERT_EQ(biases.size(), 1u);
    EXPECT_EQ(biases[0].at("node"), "conv");
    EXPECT_TRUE(biases[0].at("applied").get<bool>());
    EXPECT_EQ(biases[0].at("channels"), 4);
    // The output is ~0.11 low; the bias moves up by about that much.
    EXPECT_GT(biases[0].at("max_abs_shift").get<double>(), 0.05);
    for (float b : corrected_.constant("b").to_floats()) EXPECT_GT(b, 0.55f);
}

TEST_F(FastBiasCorrection, WeightsOnTheGridGetNoShiftWithPaddingAndZeroBorders) {
    // Exact weights leave nothing to correct. Computing the float side from collected output
    // means would see the zero border meet the padding differently than a constant input does,
    // and rounding the constant mean input would add its own error: both would move the bias.
    Graph g = pot::test::biased_conv_model();
    g.constant("w") = pot::test::on_grid_weights({4, 8, 3, 3}, 11);
    const auto data = pot::test::framed_samples(24, {1, 8, 10, 10}, 2, 600);
    pot::test::run_pipeline(host_, {{"MinMaxQuantization", "{}"}, {"FastBiasCorrection", "{}"}}, g,
                            data);
    for (float b : g.constant("b").to_floats()) EXPECT_NEAR(b, 0.5f, 1e-5f);
}

TEST_F(FastBiasCorrection, KeepsABiasWhoseChangeExceedsTheThreshold) {
    // A bias of 0.001 would move by ~100x its size: above the default threshold of 2.
    errors(pot::test::biased_conv_model(0.001f), "FastBiasCorrection", "{}", data_);
    const auto& entry = reports_.at("FastBiasCorrection").at("biases").at(0);
    EXPECT_FALSE(entry.at("applied").get<bool>());
    EXPECT_GT(entry.at("magnitude").get<double>(), 2.0);
    for (float b : corrected_.constant("b").to_floats()) EXPECT_EQ(b, 0.001f);
}

TEST_F(FastBiasCorrection, ApplyForAllNodesIgnoresTheThreshold) {
    const auto [before, after] = errors(pot::test::biased_conv_model(0.001f), "FastBiasCorrection",
                                        R"({"apply_for_all_nodes": true})", data_);
    EXPECT_TRUE(reports_.at("FastBiasCorrection").at("biases").at(0).at("applied").get<bool>());
    EXPECT_LT(after * 5, before);
}

TEST_F(FastBiasCorrection, AHigherThresholdAdmitsTheChange) {
    errors(pot::test::biased_conv_model(0.001f), "FastBiasCorrection", R"({"threshold": 1000})",
           data_);
    EXPECT_TRUE(reports_.at("FastBiasCorrection").at("biases").at(0).at("applied").get<bool>());
}

TEST_F(FastBiasCorrection, LeavesOpsWithoutQuantizedWeightsAlone) {
    Graph ignored = pot::test::biased_conv_model();
    const auto reports =
        pot::test::run_pipeline(host_,
                                {{"MinMaxQuantization", R"({"ignored": {"scope": ["conv"]}})"},
                                 {"FastBiasCorrection", "{}"}},
                                ignored, data_);
    EXPECT_TRUE(reports.at("FastBiasCorrection").at("biases").empty());
    EXPECT_EQ(ignored.constant("b").to_floats(), std::vector<float>(4, 0.5f));
}

TEST_F(FastBiasCorrection, UnknownParameterNamesItsPath) {
    Graph g = pot::test::biased_conv_model();
    try {
        pot::test::run_pipeline(host_, {{"FastBiasCorrection", R"({"treshold": 1})"}}, g, data_);
        FAIL() << "expected a config error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/compression/algorithms/0/params/treshold"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("threshold"), std::string::npos) << e.what();
    }
}

}  // namespace
