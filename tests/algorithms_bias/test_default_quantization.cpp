#include <algorithm>

#include <gtest/gtest.h>

#include "bias_fixtures.hpp"
#include "graph_builder.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/fake_quantize_node.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;

// Every FakeQuantize as "<input> -> <output> levels=<n> axis=<a>", sorted.
std::vector<std::string> quantizer_layout(const Graph& g) {
    std::vector<std::string> out;
    for (const auto& n : g.nodes) {
        if (!pot::is_fake_quantize(n)) continue;
        const auto fq = pot::read_fake_quantize(g, n);
        out.push_back(pot::str_cat(n.inputs[0], " -> ", n.outputs[0], " levels=", fq.levels,
                                   " axis=", fq.axis));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> expanded_names(PluginHost& host, const std::string& params) {
    const pot::core::Pipeline pipeline(
        host.registry(), {{"DefaultQuantization", params, "/compression/algorithms/0"}});
    return pipeline.names();
}

// The message of the Config error creating DefaultQuantization with `params` raises.
std::string config_error(PluginHost& host, const std::string& params) {
    try {
        expanded_names(host, params);
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error for " << params;
    return "";
}

class DefaultQuantization : public testing::Test {
protected:
    PluginHost host_;
    pot::test::VectorData data_{pot::test::random_samples(16, {1, 3, 8, 8}, 100)};
};

TEST_F(DefaultQuantization, ExpandsIntoAlignmentMinMaxAndFastBiasCorrection) {
    EXPECT_EQ(expanded_names(host_, "{}"),
              (std::vector<std::string>{"ActivationChannelAlignment", "MinMaxQuantization",
                                        "FastBiasCorrection"}));
}

TEST_F(DefaultQuantization, UseFastBiasFalseSelectsBiasCorrection) {
    EXPECT_EQ(expanded_names(host_, R"({"use_fast_bias": false})").back(), "BiasCorrection");
}

TEST_F(DefaultQuantization, PlacesTheSameQuantizersAsMinMax) {
    Graph min_max = pot::test::small_cnn();
    pot::test::run_pipeline(host_, {{"MinMaxQuantization", R"({"preset": "performance"})"}},
                            min_max, data_);
    Graph dq = pot::test::small_cnn();
    pot::test::run_pipeline(host_, {{"DefaultQuantization", R"({"preset": "performance"})"}}, dq,
                            data_);
    EXPECT_EQ(quantizer_layout(dq), quantizer_layout(min_max));
    EXPECT_FALSE(quantizer_layout(dq).empty());
}

TEST_F(DefaultQuantization, ReportsTheBiasShiftOfEveryQuantizedOp) {
    Graph g = pot::test::small_cnn();
    const auto reports = pot::test::run_pipeline(host_, {{"DefaultQuantization", "{}"}}, g, data_);
    const auto& biases = reports.at("FastBiasCorrection").at("biases");
    std::vector<std::string> nodes;
    for (const auto& b : biases) {
        nodes.push_back(b.at("node"));
        EXPECT_GT(b.at("max_abs_shift").get<double>(), 0.0) << b.dump();
    }
    EXPECT_EQ(nodes, (std::vector<std::string>{"conv1", "conv2", "fc"}));
    EXPECT_TRUE(reports.contains("MinMaxQuantization"));
    EXPECT_TRUE(reports.contains("ActivationChannelAlignment"));
}

TEST_F(DefaultQuantization, PassesWeightSettingsToMinMax) {
    Graph g = pot::test::small_cnn();
    pot::test::run_pipeline(host_, {{"DefaultQuantization", R"({"weights": {"bits": 4}})"}}, g,
                            data_);
    const auto conv = g.find_node("conv1");
    const auto fq = g.producer(g.nodes[*conv].inputs[1]);
    ASSERT_TRUE(fq.has_value());
    EXPECT_EQ(pot::read_fake_quantize(g, g.nodes[*fq]).levels, 15);
}

// The range of the FakeQuantize feeding input 0 of `node`.
std::pair<float, float> input_range(const Graph& g, const std::string& node) {
    const auto fq = g.producer(g.nodes[*g.find_node(node)].inputs[0]);
    EXPECT_TRUE(fq && pot::is_fake_quantize(g.nodes[*fq])) << node;
    const auto params = pot::read_fake_quantize(g, g.nodes[*fq]);
    return {params.input_low[0], params.input_high[0]};
}

TEST_F(DefaultQuantization, RangesMatMulAndGemmInputsByGlobalMinMaxUnlessAnEstimatorIsGiven) {
    const auto quantized = [&](const std::string& params) {
        Graph g = pot::test::small_cnn();
        pot::test::run_pipeline(host_, {{"DefaultQuantization", params}}, g, data_);
        return g;
    };
    const Graph by_default = quantized("{}");
    const Graph spelled_out = quantized(R"({"activations": {"op_types": {
        "MatMul": {"range_estimator": {"preset": "min_max"}},
        "Gemm": {"range_estimator": {"preset": "min_max"}}}}})");
    const Graph mean_of_extremes = quantized(R"({"activations": {"range_estimator": {"preset": "default"}}})");
    // The default is the spelled-out per-op-type setting.
    EXPECT_EQ(input_range(by_default, "fc"), input_range(spelled_out, "fc"));
    EXPECT_EQ(input_range(by_default, "conv2"), input_range(spelled_out, "conv2"));
    // A global estimator in the config replaces it: the Gemm input then gets the mean of
    // per-sample maxima, below the global maximum; the Conv inputs are the same either way.
    EXPECT_LT(input_range(mean_of_extremes, "fc").second, input_range(by_default, "fc").second);
    EXPECT_EQ(input_range(mean_of_extremes, "conv2"), input_range(by_default, "conv2"));
    // Coarser activations keep POT's default everywhere: clipping pays more on a 4-bit grid.
    const Graph four_bit = quantized(R"({"activations": {"bits": 4}})");
    const Graph four_bit_pot = quantized(R"({"activations": {"bits": 4, "range_estimator": {"preset": "default"}}})");
    EXPECT_EQ(input_range(four_bit, "fc"), input_range(four_bit_pot, "fc"));
}

TEST_F(DefaultQuantization, SmoothQuantComesFirstWhenAskedFor) {
    const std::vector<std::string> with = {"SmoothQuant", "ActivationChannelAlignment",
                                           "MinMaxQuantization", "FastBiasCorrection"};
    EXPECT_EQ(expanded_names(host_, R"({"smooth_quant": true})"), with);
    EXPECT_EQ(expanded_names(host_, R"({"smooth_quant": {"alpha": 0.7}})"), with);
    EXPECT_EQ(expanded_names(host_, R"({"smooth_quant": false})").size(), 3u);
    const auto message = config_error(host_, R"({"smooth_quant": "yes"})");
    EXPECT_NE(message.find("/compression/algorithms/0/params/smooth_quant"), std::string::npos)
        << message;
}

TEST_F(DefaultQuantization, UnknownKeyNamesItsPath) {
    const auto message = config_error(host_, R"({"stat_subset_sise": 10})");
    EXPECT_NE(message.find("/compression/algorithms/0/params/stat_subset_sise"), std::string::npos)
        << message;
    EXPECT_NE(message.find("stat_subset_size"), std::string::npos) << message;
}

TEST_F(DefaultQuantization, UnknownNestedKeyNamesItsPath) {
    const auto message = config_error(host_, R"({"activations": {"bitz": 8}})");
    EXPECT_NE(message.find("/compression/algorithms/0/params/activations/bitz"), std::string::npos)
        << message;
}

TEST_F(DefaultQuantization, LayerwiseTuningIsRejectedAsUnsupported) {
    const auto message = config_error(host_, R"({"use_layerwise_tuning": true})");
    EXPECT_NE(message.find("use_layerwise_tuning"), std::string::npos) << message;
    EXPECT_NE(message.find("not supported"), std::string::npos) << message;
    EXPECT_EQ(expanded_names(host_, R"({"use_layerwise_tuning": false})").size(), 3u);
}

}  // namespace
