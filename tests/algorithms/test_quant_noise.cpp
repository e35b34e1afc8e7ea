// QuantNoiseEstimator: the noise measures on known values, and the plugin on a quantized CNN.
#include <cmath>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "noise_measure.hpp"
#include "pot/error.hpp"
#include "test_host.hpp"

namespace {

using pot::Tensor;
using pot::quant_noise::Measure;
using pot::quant_noise::NoiseAccumulator;

Tensor tensor(const std::vector<float>& values, const pot::Shape& shape) {
    Tensor t(pot::DType::F32, shape);
    std::copy(values.begin(), values.end(), t.data<float>());
    return t;
}

TEST(QuantNoiseMeasure, SqnrIsSignalOverNoisePerSampleThenAveraged) {
    NoiseAccumulator acc(Measure::Sqnr, 0.0);
    // mean(Y^2) = 7.5, mean((Y' - Y)^2) = 0.25: 30; then 1 / 0.25 = 4 on the second sample.
    acc.add(tensor({1, 2, 3, 4}, {1, 4}), tensor({1, 2, 3, 5}, {1, 4}), "a");
    acc.add(tensor({1, 1, 1, 1}, {1, 4}), tensor({0, 1, 1, 1}, {1, 4}), "a");
    ASSERT_EQ(acc.value().size(), 1u);
    EXPECT_DOUBLE_EQ(acc.value()[0], (30.0 + 4.0) / 2);
}

TEST(QuantNoiseMeasure, SampleMeanDividesTheMeansOverAllSamples) {
    NoiseAccumulator acc(Measure::SqnrSampleMean, 0.0);
    acc.add(tensor({1, 2, 3, 4}, {1, 4}), tensor({1, 2, 3, 5}, {1, 4}), "a");
    acc.add(tensor({1, 1, 1, 1}, {1, 4}), tensor({0, 1, 1, 1}, {1, 4}), "a");
    EXPECT_DOUBLE_EQ(acc.value()[0], (7.5 + 1.0) / (0.25 + 0.25));
    EXPECT_EQ(pot::quant_noise::parse_measure("snqr_sample_mean", "p/type"), Measure::SqnrSampleMean);
}

TEST(QuantNoiseMeasure, PerChannelMeasuresSplitAxisOne) {
    NoiseAccumulator acc(Measure::SqnrPerChannel, 0.0);
    // Channel 0: [2, 2] vs [2, 3]: 4 / 0.5 = 8. Channel 1: [3, 3] vs [3, 3] with eps 0: inf.
    acc.add(tensor({2, 2, 3, 3}, {1, 2, 2}), tensor({2, 3, 3, 3}, {1, 2, 2}), "a");
    const auto v = acc.value();
    ASSERT_EQ(v.size(), 2u);
    EXPECT_DOUBLE_EQ(v[0], 8.0);
    EXPECT_TRUE(std::isinf(v[1]));
    EXPECT_THROW(acc.add(tensor({1, 2}, {1, 2}), tensor({1, 2, 3, 4}, {1, 4}), "a"), pot::Error);
}

TEST(QuantNoiseMeasure, EltwiseMeanAveragesElementRatiosAndSkipsNotANumber) {
    NoiseAccumulator acc(Measure::SqnrEltwiseMean, 1.0);
    // Elements: 4 / (1 + 1) = 2 and 0 / (1 + 0) = 0: 1 for the sample.
    acc.add(tensor({2, 0}, {1, 2}), tensor({3, 0}, {1, 2}), "a");
    EXPECT_DOUBLE_EQ(acc.value()[0], 1.0);
    NoiseAccumulator exact(Measure::Sqnr, 0.0);
    exact.add(tensor({0, 0}, {1, 2}), tensor({0, 0}, {1, 2}), "a");  // 0 / 0: left out
    exact.add(tensor({2, 2}, {1, 2}), tensor({2, 3}, {1, 2}), "a");
    EXPECT_DOUBLE_EQ(exact.value()[0], 8.0);
}

TEST(QuantNoiseMeasure, UnknownTypeNamesTheChoices) {
    try {
        pot::quant_noise::parse_measure("psnr", "params/type");
        FAIL() << "no error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("params/type: unknown noise measure 'psnr'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("sqnr_eltwise_mean"), std::string::npos) << e.what();
    }
}

class QuantNoisePlugin : public testing::Test {
protected:
    pot::test::PluginHost host_;
    pot::test::VectorData data_{pot::test::random_samples(8, {1, 3, 8, 8}, 100)};
    pot::Graph quantized_ = [this] {
        pot::Graph g = pot::test::small_cnn();
        host_.run("MinMaxQuantization", "{}", g, data_);
        return g;
    }();

    nlohmann::json run(const std::string& params) {
        pot::Graph g = quantized_;
        host_.run("QuantNoiseEstimator", params, g, data_);
        EXPECT_EQ(g.nodes.size(), quantized_.nodes.size()) << "the model changed";
        return host_.reports().at("QuantNoiseEstimator").at("layers");
    }
};

TEST_F(QuantNoisePlugin, ReportsEveryConvolutionAndWritesTheCsvWithTheResults) {
    const auto full = run(R"({"mode": "full_fq_noise", "stat_subset_size": 4,
                              "results_dump_filename": "./noise.csv"})");
    size_t convs = 0;
    for (const auto& node : quantized_.nodes) convs += node.op_type == "Conv" ? 1 : 0;
    ASSERT_EQ(full.size(), convs);
    ASSERT_GT(convs, 1u);
    for (const auto& layer : full) {
        EXPECT_GT(layer.at("noise_metric").get<double>(), 1.0) << layer.dump();  // more signal than noise
        EXPECT_LT(layer.at("noise_metric").get<double>(), 1e9) << layer.dump();  // but quantized
    }
    ASSERT_EQ(host_.result_files().size(), 1u);
    EXPECT_EQ(host_.result_files()[0].first, "noise.csv");
    const std::string& csv = host_.result_files()[0].second;
    EXPECT_EQ(csv.substr(0, csv.find('\n')), ",noise_metric,layer_name");
    EXPECT_NE(csv.find(full[0].at("layer").get<std::string>()), std::string::npos) << csv;
}

TEST_F(QuantNoisePlugin, LayerwiseMeasuresEachConvolutionWithItsOwnQuantizersOnly) {
    const auto full = run(R"({"mode": "full_fq_noise", "stat_subset_size": 4})");
    const auto alone = run(R"({"mode": "layerwise_fq_noise", "stat_subset_size": 4})");
    ASSERT_FALSE(alone.empty());
    // The first convolution sees only its own quantizers in both modes.
    EXPECT_EQ(alone[0].at("layer"), full[0].at("layer"));
    EXPECT_DOUBLE_EQ(alone[0].at("noise_metric").get<double>(), full[0].at("noise_metric").get<double>());
    // A later one carries less noise alone than behind every earlier quantizer.
    const auto& last_alone = alone.back();
    const auto last_full = std::find_if(full.begin(), full.end(), [&](const auto& l) {
        return l.at("layer") == last_alone.at("layer");
    });
    ASSERT_NE(last_full, full.end());
    EXPECT_GT(last_alone.at("noise_metric").get<double>(), last_full->at("noise_metric").get<double>());
}

TEST_F(QuantNoisePlugin, BadParametersAreConfigErrors) {
    for (const char* params : {R"({"mode": "partial"})", R"({"type": "psnr"})", R"({"eps": -1})",
                               R"({"results_dump_filename": "/"})", R"({"stat_subset": 4})",
                               R"({"stat_subset_size": -1})", R"({"shuffle_data": true})"}) {
        pot::Graph g = quantized_;
        EXPECT_THROW(host_.run("QuantNoiseEstimator", params, g, data_), pot::Error) << params;
    }
}

}  // namespace
