#include <gtest/gtest.h>

#include "bias_fixtures.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;

class BiasCorrection : public testing::Test {
protected:
    PluginHost host_;

    // Mean output error (vs FP32) after MinMax alone and after MinMax + BiasCorrection.
    std::pair<double, double> errors(const Graph& fp32, const std::string& params,
                                     const pot::DataLoader& data, int64_t axis = 1) {
        const auto reference =
            pot::test::output_channel_means(pot::test::run_model(host_, fp32, data), axis);
        Graph min_max = fp32;
        pot::test::run_pipeline(host_, {{"MinMaxQuantization", "{}"}}, min_max, data);
        corrected_ = fp32;
        reports_ = pot::test::run_pipeline(
            host_, {{"MinMaxQuantization", "{}"}, {"BiasCorrection", params}}, corrected_, data);
        const auto before =
            pot::test::output_channel_means(pot::test::run_model(host_, min_max, data), axis);
        const auto after =
            pot::test::output_channel_means(pot::test::run_model(host_, corrected_, data), axis);
        return {pot::test::mean_abs_difference(before, reference),
                pot::test::mean_abs_difference(after, reference)};
    }

    nlohmann::json reports_;
    Graph corrected_;
};

TEST_F(BiasCorrection, RestoresTheMeanOutputOfAConvWithBiasedWeightRounding) {
    const auto data = pot::test::positive_samples(24, {1, 8, 10, 10}, 500);
    const auto [before, after] = errors(pot::test::biased_conv_model(), "{}", data);
    EXPECT_GT(before, 0.05);
    EXPECT_LT(after * 5, before) << "before " << before << ", after " << after;
}

TEST_F(BiasCorrection, CorrectsLayersInOrderSoTheLastSeesTheFirstCorrected) {
    const auto data = pot::test::positive_samples(24, {1, 8, 8, 8}, 700);
    const auto [before, after] = errors(pot::test::biased_two_conv_model(), "{}", data);
    EXPECT_GT(before, 0.05);
    EXPECT_LT(after * 5, before) << "before " << before << ", after " << after;
    const auto& biases = reports_.at("BiasCorrection").at("biases");
    ASSERT_EQ(biases.size(), 2u);
    EXPECT_EQ(biases[0].at("node"), "conv1");
    EXPECT_EQ(biases[1].at("node"), "conv2");
    EXPECT_TRUE(biases[0].at("applied").get<bool>());
    EXPECT_TRUE(biases[1].at("applied").get<bool>());
}

TEST_F(BiasCorrection, CorrectsTheAddAfterAMatMul) {
    const auto data = pot::test::positive_samples(32, {1, 32, 16}, 900);
    const auto [before, after] = errors(pot::test::biased_matmul_model(), "{}", data, 2);
    EXPECT_GT(before, 0.01);
    EXPECT_LT(after * 5, before) << "before " << before << ", after " << after;
}

TEST_F(BiasCorrection, KeepsABiasWhoseChangeExceedsTheThreshold) {
    const auto data = pot::test::positive_samples(24, {1, 8, 10, 10}, 500);
    errors(pot::test::biased_conv_model(0.001f), "{}", data);
    EXPECT_FALSE(reports_.at("BiasCorrection").at("biases").at(0).at("applied").get<bool>());
    for (float b : corrected_.constant("b").to_floats()) EXPECT_EQ(b, 0.001f);
}

}  // namespace
