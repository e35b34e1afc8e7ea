// WeightSparsity before DefaultQuantization on the bundled Fashion-MNIST CNN through pot-host, as
// POT's sparsity example config runs it: at a high sparsity level, the layer-wise fit of the
// sparse layers keeps INT8 accuracy at least where the sparsity with its bias step alone gets it.
// The numbers measured with this setup are in plugins/algorithms/weight_sparsity/README.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fmnist_example.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace {

using nlohmann::json;

constexpr double kSparsityLevel = 0.8;

// default_quantization.json with WeightSparsity in front, as in POT's
// configs/examples/sparsity/resnet-50-pytorch.json.
json sparsity_config(bool layerwise_tuning) {
    json c = pot::test::fmnist_example_config("default_quantization.json");
    json& algorithms = c["compression"]["algorithms"];
    const json sparsity = {{"name", "WeightSparsity"},
                           {"params",
                            {{"sparsity_level", kSparsityLevel},
                             {"stat_subset_size", 300},
                             {"apply_for_all_nodes", true},
                             {"use_layerwise_tuning", layerwise_tuning}}}};
    algorithms.insert(algorithms.begin(), sparsity);
    return c;
}

json section(const json& report, const std::string& key) {
    const json& value = report.at("algorithm_reports").at("WeightSparsity").at(key);
    return value.is_string() ? json::parse(value.get<std::string>()) : value;
}

TEST(WeightSparsityRuns, LayerwiseTuningKeepsInt8AccuracyAtHighSparsity) {
    pot::test::TempDir work;
    const auto plain = pot::test::quantize_and_evaluate(sparsity_config(false), work.path() / "plain");
    ASSERT_EQ(plain.run.exit_code, 0) << plain.run.out << plain.run.err;
    const auto tuned = pot::test::quantize_and_evaluate(sparsity_config(true), work.path() / "tuned");
    ASSERT_EQ(tuned.run.exit_code, 0) << tuned.run.out << tuned.run.err;

    // Both runs zero the same weights: the fit moves only the kept ones.
    EXPECT_DOUBLE_EQ(section(tuned.report, "sparsity_level").get<double>(),
                     section(plain.report, "sparsity_level").get<double>());
    EXPECT_GE(section(tuned.report, "sparsity_level").get<double>(), kSparsityLevel - 1e-3);

    // Every Conv and Gemm was fitted, each one closer to its dense output than before.
    const json layers = section(tuned.report, "tuning");
    EXPECT_EQ(layers.size(), section(tuned.report, "layers").size()) << layers.dump();
    for (const auto& layer : layers)
        EXPECT_LT(layer.at("error_after").get<double>(), layer.at("error_before").get<double>()) << layer.dump();
    EXPECT_TRUE(section(tuned.report, "biases").empty()) << "fitted layers skip the bias step";
    EXPECT_FALSE(section(plain.report, "biases").empty());

    const double int8_plain = plain.report.at("evaluation").at("int8").get<double>();
    const double int8_tuned = tuned.report.at("evaluation").at("int8").get<double>();
    EXPECT_GE(int8_tuned, int8_plain) << "with tuning " << int8_tuned << ", without " << int8_plain;
    EXPECT_GE(int8_tuned, 85.0) << "the bundled CNN reads 92% in FP32";
}

}  // namespace
