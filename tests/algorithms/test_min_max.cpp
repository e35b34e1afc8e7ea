#include <cmath>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "ort_runner.hpp"
#include "pot/core/log.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/session.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/similarity.hpp"
#include "quantizers.hpp"
#include "temp_dir.hpp"
#include "test_host.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;
using pot::test::quantizer_node_of;
using pot::test::quantizer_of;
using pot::test::quantizer_producing;
using pot::test::VectorData;

size_t count_quantizers(const Graph& g) {
    return static_cast<size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), pot::is_fake_quantize));
}

class MinMax : public testing::Test {
protected:
    PluginHost host_;
    Graph graph_ = pot::test::small_cnn();
    VectorData data_{pot::test::random_samples(16, {1, 3, 8, 8}, 100)};

    void quantize(const std::string& params = "{}") { host_.run("MinMaxQuantization", params, graph_, data_); }
};

TEST_F(MinMax, QuantizesConvAndGemmInputsWeightsAndActivatedOutputs) {
    quantize();
    EXPECT_NE(quantizer_node_of(graph_, "conv1", 0), nullptr);
    EXPECT_NE(quantizer_node_of(graph_, "conv1", 1), nullptr);
    EXPECT_NE(quantizer_node_of(graph_, "conv2", 0), nullptr);
    EXPECT_NE(quantizer_node_of(graph_, "conv2", 1), nullptr);
    EXPECT_NE(quantizer_node_of(graph_, "fc", 0), nullptr);
    EXPECT_NE(quantizer_node_of(graph_, "fc", 1), nullptr);
    // Biases stay in float; Relu outputs carry the quantizer (the Relu is absorbed by the range).
    EXPECT_EQ(quantizer_node_of(graph_, "conv1", 2), nullptr);
    EXPECT_TRUE(quantizer_producing(graph_, "relu1_out").has_value());
    EXPECT_FALSE(quantizer_producing(graph_, "conv1_out").has_value());
    // The graph output keeps its name and stays in float: no op reads it in INT8, so rounding
    // the logits would only cost accuracy.
    EXPECT_EQ(graph_.outputs[0].name, "fc_out");
    EXPECT_FALSE(quantizer_producing(graph_, "fc_out").has_value());
    // input, relu1, relu2, flatten outputs + three weights.
    EXPECT_EQ(count_quantizers(graph_), 7u);
}

TEST_F(MinMax, WeightsArePerOutputChannelSymmetricNarrowRange) {
    const pot::Tensor w1 = graph_.constant("w1");
    quantize();
    const auto conv = graph_.find_node("conv1");
    const auto fq = quantizer_producing(graph_, graph_.nodes[*conv].inputs[1]);
    ASSERT_TRUE(fq.has_value());
    EXPECT_EQ(fq->levels, 255);
    EXPECT_EQ(fq->axis, 0);
    ASSERT_EQ(fq->channels(), 4u);
    const auto v = w1.to_floats();
    for (size_t c = 0; c < 4; ++c) {
        float abs_max = 0;
        for (size_t i = c * 27; i < (c + 1) * 27; ++i) abs_max = std::max(abs_max, std::fabs(v[i]));
        EXPECT_FLOAT_EQ(fq->input_high[c], abs_max);
        EXPECT_FLOAT_EQ(fq->input_low[c], -abs_max);
    }
}

TEST_F(MinMax, PerTensorWeightsWhenAsked) {
    quantize(R"({"weights": {"granularity": "pertensor"}})");
    const auto conv = graph_.find_node("conv1");
    const auto fq = quantizer_producing(graph_, graph_.nodes[*conv].inputs[1]);
    ASSERT_TRUE(fq.has_value());
    EXPECT_EQ(fq->channels(), 1u);
}

TEST_F(MinMax, GlobalMinMaxEstimatorCoversEverySample) {
    quantize(R"({"activations": {"range_estimator": {"preset": "min_max"}}})");
    float abs_max = 0;
    for (size_t i = 0; i < data_.size(); ++i)
        for (float v : data_.get(i).inputs[0].to_floats()) abs_max = std::max(abs_max, std::fabs(v));
    const auto conv = graph_.find_node("conv1");
    const auto fq = quantizer_producing(graph_, graph_.nodes[*conv].inputs[0]);
    ASSERT_TRUE(fq.has_value());
    // Performance preset, signed data: symmetric with one extra negative level.
    EXPECT_FLOAT_EQ(fq->input_high[0], abs_max);
    EXPECT_NEAR(fq->input_low[0], -abs_max * 128.0f / 127.0f, 1e-6);
}

TEST_F(MinMax, PerformancePresetMakesReluOutputsUnsigned) {
    quantize();
    const auto fq = quantizer_producing(graph_, "relu1_out");
    ASSERT_TRUE(fq.has_value());
    EXPECT_EQ(fq->input_low[0], 0.0f);
    EXPECT_GT(fq->input_high[0], 0.0f);
}

TEST_F(MinMax, MixedPresetMakesActivationsAsymmetric) {
    quantize(R"({"preset": "mixed", "activations": {"range_estimator": {"preset": "min_max"}}})");
    const auto conv = graph_.find_node("conv1");
    const auto fq = quantizer_producing(graph_, graph_.nodes[*conv].inputs[0]);
    ASSERT_TRUE(fq.has_value());
    const float scale = pot::fake_quantize_scale(fq->input_low[0], fq->input_high[0], fq->levels);
    const float zero = -fq->input_low[0] / scale;
    EXPECT_NEAR(zero, std::nearbyint(zero), 1e-3);
    EXPECT_NE(std::nearbyint(zero), 128.0f);  // not the symmetric code
}

TEST_F(MinMax, QuantileEstimatorClipsOutliers) {
    Graph minmax_graph = graph_;
    host_.run("MinMaxQuantization", R"({"activations": {"range_estimator": {"preset": "min_max"}}})",
              minmax_graph, data_);
    quantize(R"({"activations": {"range_estimator": {"preset": "quantile"}}})");
    const auto wide = quantizer_producing(minmax_graph, "relu1_out");
    const auto narrow = quantizer_producing(graph_, "relu1_out");
    ASSERT_TRUE(wide && narrow);
    EXPECT_LT(narrow->input_high[0], wide->input_high[0]);
}

TEST_F(MinMax, OpTypeSettingsApplyToTheInputsOfThatTypeOnly) {
    Graph global_graph = graph_;
    host_.run("MinMaxQuantization", R"({"activations": {"range_estimator": {"preset": "min_max"}}})",
              global_graph, data_);
    // Gemm inputs: asymmetric, ranged by global min/max; Conv inputs keep the default estimator.
    quantize(R"({"activations": {"op_types": {"Gemm": {"mode": "asymmetric",
                                                      "range_estimator": {"preset": "min_max"}}}}})");
    const auto fc_input = graph_.nodes[*graph_.find_node("fc")].inputs[0];
    const auto global_fc_input = global_graph.nodes[*global_graph.find_node("fc")].inputs[0];
    const auto fc = quantizer_producing(graph_, fc_input);
    const auto fc_global = quantizer_producing(global_graph, global_fc_input);
    ASSERT_TRUE(fc && fc_global);
    // The same global min/max range; the asymmetric mode puts the low end at the smallest value
    // seen (a ReLU output: 0), with the zero point at code 0.
    EXPECT_FLOAT_EQ(fc->input_high[0], fc_global->input_high[0]);
    EXPECT_FLOAT_EQ(fc->input_low[0], 0.0f);
    // relu1_out feeds a Conv: the default mean of per-sample maxima, below the global maximum.
    const auto relu1 = quantizer_producing(graph_, "relu1_out");
    const auto relu1_global = quantizer_producing(global_graph, "relu1_out");
    ASSERT_TRUE(relu1 && relu1_global);
    EXPECT_LT(relu1->input_high[0], relu1_global->input_high[0]);
    const auto& report = host_.reports().at("MinMaxQuantization").at("quantized");
    EXPECT_EQ(report.size(), 7u);
}

TEST_F(MinMax, ARangeEstimatorUnderParamsIsTheDefaultOfActivationsAndWeights) {
    // POT's SSD example: {"range_estimator": {"preset": "quantile"}} beside preset.
    const auto ranges = [&](const std::string& params) {
        Graph g = graph_;
        host_.run("MinMaxQuantization", params, g, data_);
        const auto act = quantizer_producing(g, "relu1_out");
        const auto weights = quantizer_producing(g, g.nodes[*g.find_node("conv2")].inputs[1]);
        EXPECT_TRUE(act && weights) << params;
        return std::make_pair(act->input_high[0], weights->input_high);
    };
    const auto global = ranges(R"({"range_estimator": {"preset": "quantile"}})");
    EXPECT_EQ(global, ranges(R"({"activations": {"range_estimator": {"preset": "quantile"}},
                                  "weights": {"range_estimator": {"preset": "quantile"}}})"));
    EXPECT_NE(global, ranges("{}"));
    // A kind's own estimator wins.
    EXPECT_EQ(ranges(R"({"range_estimator": {"preset": "quantile"}, "activations": {"range_estimator": {"preset": "min_max"}}})"),
              ranges(R"({"activations": {"range_estimator": {"preset": "min_max"}}, "weights": {"range_estimator": {"preset": "quantile"}}})"));
    // Bounds written for activations (min, aggregators) are read for weights as far as they apply.
    EXPECT_EQ(ranges(R"({"range_estimator": {"min": {"type": "quantile", "aggregator": "mean", "outlier_prob": 0.0001},
                                             "max": {"type": "quantile", "aggregator": "mean", "outlier_prob": 0.0001}}})")
                  .second,
              ranges(R"({"weights": {"range_estimator": {"max": {"type": "quantile", "outlier_prob": 0.0001}}}})").second);
}

TEST_F(MinMax, LayerwiseSettingsQuantizeOneOpsInputsWithTheirOwnBitsAndEstimators) {
    // INT4MixedQuantization's form: conv2 at 4 bits with 1e-3 quantile ranges, the rest at 8.
    quantize(R"({"layerwise": {"conv2": {"bits": 4,
        "weights": {"range_estimator": {"max": {"type": "quantile", "outlier_prob": 0.001}}},
        "activations": {"range_estimator": {"min": {"type": "quantile", "outlier_prob": 0.001},
                                            "max": {"type": "quantile", "outlier_prob": 0.001}}}}}})");
    const auto weights_of = [&](const std::string& node) {
        return quantizer_producing(graph_, graph_.nodes[*graph_.find_node(node)].inputs[1]);
    };
    const auto input_of = [&](const std::string& node) {
        return quantizer_producing(graph_, graph_.nodes[*graph_.find_node(node)].inputs[0]);
    };
    ASSERT_TRUE(weights_of("conv2") && input_of("conv2") && weights_of("conv1") && input_of("conv1"));
    EXPECT_EQ(weights_of("conv2")->levels, 15);  // symmetric 4-bit weights: codes -7..7
    EXPECT_EQ(input_of("conv2")->levels, 16);
    EXPECT_EQ(weights_of("conv1")->levels, 255);
    EXPECT_EQ(input_of("conv1")->levels, 256);
    EXPECT_EQ(weights_of("fc")->levels, 255);
    // The quantile threshold lies below the largest |w| of some channel.
    Graph plain = pot::test::small_cnn();
    host_.run("MinMaxQuantization", "{}", plain, data_);
    const auto max_abs = quantizer_producing(plain, plain.nodes[*plain.find_node("conv2")].inputs[1]);
    ASSERT_TRUE(max_abs);
    float lowered = 0, full = 0;
    for (size_t c = 0; c < max_abs->input_high.size(); ++c) {
        lowered += weights_of("conv2")->input_high[c];
        full += max_abs->input_high[c];
    }
    EXPECT_LT(lowered, full);
    EXPECT_THROW(quantize(R"({"layerwise": {"conv9": {"bits": 4}}})"), pot::Error);
    EXPECT_THROW(quantize(R"({"layerwise": {"conv2": {"bitz": 4}}})"), pot::Error);
}

TEST_F(MinMax, OpTypeSettingsAreChecked) {
    const auto message = [&](const std::string& params) {
        try {
            quantize(params);
        } catch (const pot::Error& e) {
            EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
            return std::string(e.what());
        }
        ADD_FAILURE() << "accepted: " << params;
        return std::string();
    };
    EXPECT_NE(message(R"({"activations": {"op_types": ["MatMul"]}})").find("/activations/op_types"), std::string::npos);
    EXPECT_NE(message(R"({"activations": {"op_types": {"matmul": {"mode": "symmetric"}}}})")
                  .find("/activations/op_types/matmul: not an ONNX op type"), std::string::npos);
    EXPECT_NE(message(R"({"activations": {"op_types": {"MatMul": {}}}})").find("sets nothing"), std::string::npos);
    EXPECT_NE(message(R"({"activations": {"op_types": {"MatMul": {"range_estimator": {"preset": "msee"}}}}})")
                  .find("/activations/op_types/MatMul/range_estimator/preset: unknown range estimator 'msee'"),
              std::string::npos);
    EXPECT_NE(message(R"({"activations": {"op_types": {"MatMul": {"mod": "symmetric"}}}})").find("did you mean 'mode'"),
              std::string::npos);
}

TEST_F(MinMax, IgnoredScopeByNameTypeAndRegex) {
    Graph by_name = graph_, by_type = graph_, by_regex = graph_;
    host_.run("MinMaxQuantization", R"({"ignored": {"scope": ["conv2"]}})", by_name, data_);
    EXPECT_EQ(quantizer_node_of(by_name, "conv2", 1), nullptr);
    EXPECT_NE(quantizer_node_of(by_name, "conv1", 1), nullptr);
    host_.run("MinMaxQuantization", R"({"ignored": {"operations": [{"type": "Gemm"}]}})", by_type, data_);
    EXPECT_EQ(quantizer_node_of(by_type, "fc", 1), nullptr);
    EXPECT_NE(quantizer_node_of(by_type, "conv2", 1), nullptr);
    host_.run("MinMaxQuantization", R"({"ignored": {"scope_regex": ["conv[0-9]"]}})", by_regex, data_);
    EXPECT_EQ(quantizer_node_of(by_regex, "conv1", 1), nullptr);
    EXPECT_EQ(quantizer_node_of(by_regex, "conv2", 1), nullptr);
    EXPECT_NE(quantizer_node_of(by_regex, "fc", 1), nullptr);
}

TEST_F(MinMax, KeepsRegionsAndDepthwiseConvolutionsInFloat) {
    Graph head = graph_, tail = graph_;
    host_.run("MinMaxQuantization", R"({"ignored": {"inputs_to": ["relu1"]}})", head, data_);
    EXPECT_EQ(quantizer_node_of(head, "conv1", 0), nullptr);
    EXPECT_EQ(quantizer_node_of(head, "conv1", 1), nullptr);
    EXPECT_NE(quantizer_node_of(head, "conv2", 1), nullptr);
    host_.run("MinMaxQuantization", R"({"ignored": {"outputs_from": ["conv2"]}})", tail, data_);
    EXPECT_NE(quantizer_node_of(tail, "conv1", 1), nullptr);
    EXPECT_EQ(quantizer_node_of(tail, "conv2", 1), nullptr);
    EXPECT_EQ(quantizer_node_of(tail, "fc", 1), nullptr);
    EXPECT_THROW(quantize(R"({"ignored": {"blocks": ["nowhere"]}})"), pot::Error);
}

TEST(MinMaxTargets, CpuQuantizesResidualAddInputsAndAnyDoesNot) {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto w = b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3));
    const auto c = b.node("Conv", {x, w}, {}, "conv");
    const auto s = b.node("Sigmoid", {x}, {}, "sigmoid");
    const auto y = b.node("Add", {c, s}, {}, "add");
    b.output(y);
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
    Graph cpu = b.build(), any = b.build();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", cpu, data);
    PluginHost("reference", "ANY").run("MinMaxQuantization", "{}", any, data);
    EXPECT_NE(quantizer_node_of(cpu, "add", 1), nullptr);
    EXPECT_EQ(quantizer_node_of(any, "add", 1), nullptr);
    EXPECT_GT(count_quantizers(cpu), count_quantizers(any));
}

// POT's device rules: GPU quantizes the inputs of element-wise ops and pooling in the preset's
// mode; VPU and NPU quantize activations asymmetrically whatever the preset (pooling inputs
// symmetrically) and unify the inputs of element-wise ops; NPU also quantizes Concat inputs.
class MinMaxDevices : public testing::Test {
protected:
    Graph quantized(const std::string& device, const std::string& params = "{}") {
        pot::test::GraphBuilder b;
        const auto x = b.input("x", {-1, 2, 4, 4});
        const auto c = b.node("Conv", {x, b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3))}, {}, "conv");
        const auto s = b.node("Sigmoid", {x}, {}, "sigmoid");
        const auto m = b.node("Mul", {c, s}, {}, "mul");
        const std::map<std::string, pot::Attribute> pool = {{"kernel_shape", std::vector<int64_t>{2, 2}},
                                                            {"strides", std::vector<int64_t>{2, 2}}};
        const auto p = b.node("AveragePool", {m}, pool, "pool_mul");
        const auto q = b.node("AveragePool", {s}, pool, "pool_sigmoid");
        b.output(b.node("Concat", {p, q}, {{"axis", int64_t{1}}}, "concat"), {-1, 4, 2, 2});
        Graph g = b.build();
        VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
        PluginHost("reference", device).run("MinMaxQuantization", params, g, data);
        return g;
    }
    // The FakeQuantize before input `index` of `node` (fails the test when there is none).
    static pot::FakeQuantizeParams fq(const Graph& g, const std::string& node, size_t index) {
        const auto params = quantizer_of(g, node, index);
        EXPECT_TRUE(params.has_value()) << "no FakeQuantize before input " << index << " of " << node;
        return params.value_or(pot::FakeQuantizeParams{});
    }
    // Signed symmetric codes span [-128, 127] steps around 0; unsigned ones start at 0.
    static bool symmetric(const pot::FakeQuantizeParams& p) {
        return p.input_low[0] == 0.0f || std::fabs(p.input_low[0] / p.input_high[0] + 128.0f / 127.0f) < 1e-5f;
    }
};

TEST_F(MinMaxDevices, GpuQuantizesElementwiseAndPoolingInputsInThePresetsMode) {
    const Graph cpu = quantized("CPU"), gpu = quantized("GPU"), mixed = quantized("GPU", R"({"preset": "mixed"})");
    EXPECT_EQ(quantizer_node_of(cpu, "mul", 1), nullptr);
    EXPECT_EQ(quantizer_node_of(cpu, "pool_sigmoid", 0), nullptr);
    for (const auto& [node, index] : std::vector<std::pair<std::string, size_t>>{
             {"conv", 0}, {"mul", 0}, {"mul", 1}, {"pool_mul", 0}, {"pool_sigmoid", 0}}) {
        EXPECT_NE(quantizer_node_of(gpu, node, index), nullptr) << node << " " << index;
        EXPECT_TRUE(symmetric(fq(gpu, node, index))) << node << " " << index;
    }
    EXPECT_FALSE(symmetric(fq(mixed, "conv", 0)));
    EXPECT_EQ(quantizer_node_of(gpu, "concat", 0), nullptr);
}

TEST_F(MinMaxDevices, VpuQuantizesAsymmetricallyWhateverThePresetAndUnifiesElementwiseInputs) {
    const Graph vpu = quantized("VPU", R"({"preset": "performance"})");
    EXPECT_FALSE(symmetric(fq(vpu, "conv", 0)));
    EXPECT_FALSE(symmetric(fq(vpu, "mul", 0)));
    EXPECT_TRUE(symmetric(fq(vpu, "pool_mul", 0)));  // POT: per-channel symmetric; per tensor here
    const auto a = fq(vpu, "mul", 0), b = fq(vpu, "mul", 1);
    EXPECT_EQ(a.input_low, b.input_low);
    EXPECT_EQ(a.input_high, b.input_high);
    EXPECT_EQ(quantizer_node_of(vpu, "concat", 0), nullptr);
}

TEST_F(MinMaxDevices, NpuAlsoQuantizesConcatInputsOnOneGrid) {
    const Graph npu = quantized("NPU"), cpu_spr = quantized("CPU_SPR"), cpu = quantized("CPU");
    const auto a = fq(npu, "concat", 0), b = fq(npu, "concat", 1);
    EXPECT_FALSE(symmetric(a));
    EXPECT_EQ(a.input_low, b.input_low);
    EXPECT_EQ(a.input_high, b.input_high);
    EXPECT_EQ(count_quantizers(cpu_spr), count_quantizers(cpu));  // Sapphire Rapids: the CPU rules
}

// The QDQ model written for each device runs in ONNX Runtime as our reference engine simulates it
// (ONNX Runtime fuses DequantizeLinear -> Mul -> QuantizeLinear into integer kernels, which may
// round a code differently: a step of the coarsest grid at most).
TEST_F(MinMaxDevices, QdqModelsForEachDeviceRunInOnnxRuntimeAsSimulated) {
    const auto x = pot::test::random_samples(1, {1, 2, 4, 4}, 33).at(0);
    for (const char* device : {"GPU", "VPU", "NPU"}) {
        const Graph g = quantized(device);
        float coarsest = 0.0f;
        for (const auto& node : g.nodes)
            if (pot::is_fake_quantize(node)) {
                const auto p = pot::read_fake_quantize(g, node);
                if (p.levels == 256) coarsest = std::max(coarsest, pot::fake_quantize_scale(p.input_low[0], p.input_high[0], p.levels));
            }
        pot::test::TempDir dir;
        pot::core::save_onnx(g, dir / "model.onnx");
        const pot::Tensor ort = pot::test::run_in_onnxruntime(dir / "model.onnx", {x}).at(0);
        const pot::Tensor ours = PluginHost("reference", device).engine().compile(g)->infer({x}).at(0);
        ASSERT_EQ(ort.numel(), ours.numel()) << device;
        float worst = 0.0f, largest = 0.0f;
        for (int64_t i = 0; i < ours.numel(); ++i) {
            worst = std::max(worst, std::fabs(ort.data<float>()[i] - ours.data<float>()[i]));
            largest = std::max(largest, std::fabs(ours.data<float>()[i]));
        }
        EXPECT_LE(worst, coarsest) << device;
        EXPECT_GT(largest, 10 * coarsest) << device;
    }
}

// POT's model_type "transformer": the residual Add quantizes none of its inputs, so the residual
// stream (read otherwise only by float ops, a LayerNorm in a real block) stays float; what the
// MatMul writes is still quantized for the INT8 kernel. A spelled-out GELU after a MatMul still
// counts as the activation the CPU computes inside the MatMul, so the quantizer goes after it.
TEST(MinMaxModelType, TransformerKeepsTheResidualStreamInFloatAndStillAbsorbsGelu) {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 4, 8});
    const auto normed = b.node("Sigmoid", {x}, {}, "norm");
    const auto h = b.node("MatMul", {normed, b.constant("w1", pot::test::random_tensor({8, 8}, 3))}, {}, "fc1");
    const auto scaled = b.node("Div", {h, b.constant("sqrt2", pot::Tensor::scalar(1.4142135f))}, {}, "gelu_div");
    const auto erf = b.node("Erf", {scaled}, {}, "gelu_erf");
    const auto plus = b.node("Add", {erf, b.constant("one", pot::Tensor::scalar(1.0f))}, {}, "gelu_add");
    const auto gated = b.node("Mul", {h, plus}, {}, "gelu_mul");
    const auto gelu = b.node("Mul", {gated, b.constant("half", pot::Tensor::scalar(0.5f))}, {}, "gelu_half");
    const auto y = b.node("MatMul", {gelu, b.constant("w2", pot::test::random_tensor({8, 8}, 4))}, {}, "fc2");
    b.output(b.node("Add", {x, y}, {}, "residual"), {-1, 4, 8});
    VectorData data(pot::test::random_samples(4, {1, 4, 8}, 9));
    Graph plain = b.build(), transformer = b.build();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", plain, data);
    PluginHost("reference", "CPU").run("MinMaxQuantization", R"({"model_type": "transformer"})", transformer, data);
    EXPECT_NE(quantizer_node_of(plain, "residual", 0), nullptr);
    EXPECT_EQ(quantizer_node_of(transformer, "residual", 0), nullptr);
    EXPECT_NE(quantizer_node_of(transformer, "residual", 1), nullptr);  // fc2's output, for its INT8 kernel
    for (const Graph* g : {&plain, &transformer}) {
        EXPECT_NE(quantizer_node_of(*g, "fc2", 0), nullptr);          // after the GELU
        EXPECT_EQ(quantizer_node_of(*g, "gelu_div", 0), nullptr);     // not between fc1 and the GELU
    }
    Graph bad = b.build(), none = b.build();
    EXPECT_THROW(PluginHost().run("MinMaxQuantization", R"({"model_type": "cnn"})", bad, data), pot::Error);
    PluginHost("reference", "CPU").run("MinMaxQuantization", R"({"model_type": "None"})", none, data);  // POT's spelling
    EXPECT_NE(quantizer_node_of(none, "residual", 0), nullptr);
}

// ConvTranspose weights are [C_in, C_out / group, k...]: one scale per output channel is axis 1,
// which only holds all output channels with one group; grouped ones get one scale per tensor.
TEST(MinMaxTargets, ConvTransposeWeightsArePerOutputChannelOnAxisOne) {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 4, 4, 4});
    const auto up = b.node("ConvTranspose", {x, b.constant("w", pot::test::random_tensor({4, 3, 2, 2}, 3))},
                           {{"strides", std::vector<int64_t>{2, 2}}}, "up");
    const auto grouped = b.node("ConvTranspose", {b.node("Relu", {up}, {}, "relu"),
                                                  b.constant("wg", pot::test::random_tensor({3, 2, 3, 3}, 4))},
                                {{"group", int64_t{3}}}, "grouped");
    b.output(grouped);
    VectorData data(pot::test::random_samples(4, {1, 4, 4, 4}, 9));
    Graph g = b.build();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", g, data);
    EXPECT_NE(quantizer_node_of(g, "up", 0), nullptr);
    const auto w = quantizer_producing(g, g.nodes[*g.find_node("up")].inputs[1]);
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->axis, 1);
    EXPECT_EQ(w->channels(), 3u);
    const auto wg = quantizer_producing(g, g.nodes[*g.find_node("grouped")].inputs[1]);
    ASSERT_TRUE(wg.has_value());
    EXPECT_EQ(wg->channels(), 1u);
    EXPECT_TRUE(quantizer_producing(g, "relu_out").has_value()) << "the activated output is quantized";
}

// An attention mask filled with -inf (x * -inf where the mask is 0, as exporters write
// masked_fill) has no finite range: that activation stays in float instead of failing the run,
// and the other input of the Add it feeds is still quantized.
TEST(MinMaxTargets, ActivationReachingInfinityStaysInFloat) {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto w = b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3));
    const auto c = b.node("Conv", {x, w}, {}, "conv");
    const auto zero = b.constant("zero", pot::Tensor::scalar(0.0f));
    const auto is_low = b.node("Less", {x, zero}, {}, "less");
    const auto mask = b.node("Where", {is_low, b.constant("ninf", pot::Tensor::scalar(-INFINITY)), zero}, {}, "mask");
    b.output(b.node("Add", {c, mask}, {}, "add"));
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
    Graph g = b.build();
    PluginHost host("reference", "CPU");
    host.run("MinMaxQuantization", "{}", g, data);
    EXPECT_EQ(quantizer_node_of(g, "add", 1), nullptr);
    EXPECT_NE(quantizer_node_of(g, "add", 0), nullptr);
    EXPECT_NE(quantizer_node_of(g, "conv", 0), nullptr);
}

TEST(MinMaxTargets, CpuQuantizesAfterASpelledOutHardSwishAsAfterAnyActivation) {
    // x * Clip(x + 3, 0, 6) / 6 is how exporters write HardSwish before opset 14; the cpu engine
    // runs it as a post-op of the Conv, so the Conv's output quantizer belongs after it.
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto c = b.node("Conv", {x, b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3))}, {}, "conv");
    const auto sum = b.node("Add", {c, b.constant("three", pot::Tensor::scalar(3.0f))}, {}, "add3");
    const auto gate = b.node("Clip", {sum, b.constant("zero", pot::Tensor::scalar(0.0f)),
                                      b.constant("six", pot::Tensor::scalar(6.0f))}, {}, "clip");
    const auto product = b.node("Mul", {c, gate}, {}, "mul");
    const auto hswish = b.node("Div", {product, "six"}, {}, "div");
    b.output(b.node("Conv", {hswish, b.constant("w2", pot::test::random_tensor({2, 2, 1, 1}, 4))}, {}, "conv2"));
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
    Graph cpu = b.build(), any = b.build();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", cpu, data);
    PluginHost("reference", "ANY").run("MinMaxQuantization", "{}", any, data);
    EXPECT_FALSE(quantizer_producing(cpu, c).has_value());
    EXPECT_EQ(quantizer_node_of(cpu, "add3", 0), nullptr);
    EXPECT_EQ(quantizer_node_of(cpu, "mul", 0), nullptr);
    const auto after = cpu.producer(cpu.nodes[*cpu.find_node("conv2")].inputs[0]);
    ASSERT_TRUE(after && pot::is_fake_quantize(cpu.nodes[*after]));
    EXPECT_EQ(cpu.producer(cpu.nodes[*after].inputs[0]), cpu.find_node("div"));
    // The ANY target absorbs no HardSwish: the Conv's output is quantized where it is produced.
    EXPECT_NE(quantizer_node_of(any, "add3", 0), nullptr);
    EXPECT_EQ(quantizer_node_of(any, "add3", 0), quantizer_node_of(any, "mul", 0));
}

TEST(MinMaxTargets, BiasAddsAreNotResidualAdds) {
    // MatMul then Add(bias), as exporters write a Linear layer: the quantizer of the MatMul's output
    // goes after the bias, and the Add's input is not quantized on its own.
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 3, 8});
    const auto m = b.node("MatMul", {x, b.constant("w", pot::test::random_tensor({8, 8}, 5))}, {}, "fc");
    const auto biased = b.node("Add", {m, b.constant("bias", pot::test::random_tensor({8}, 6))}, {}, "bias");
    b.output(b.node("MatMul", {biased, b.constant("w2", pot::test::random_tensor({8, 4}, 7))}, {}, "fc2"));
    VectorData data(pot::test::random_samples(4, {1, 3, 8}, 9));
    Graph g = b.build();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", g, data);
    EXPECT_FALSE(quantizer_producing(g, m).has_value());
    EXPECT_EQ(quantizer_node_of(g, "bias", 0), nullptr);
    const auto q = g.producer(g.nodes[*g.find_node("fc2")].inputs[0]);
    ASSERT_TRUE(q && pot::is_fake_quantize(g.nodes[*q]));
    EXPECT_EQ(g.producer(g.nodes[*q].inputs[0]), g.find_node("bias"));
}

TEST_F(MinMax, QuantizedModelStaysCloseToFp32) {
    const Graph fp32 = graph_;
    quantize();
    auto& engine = host_.engine();
    const auto fp32_model = engine.compile(fp32);
    const auto int8_model = engine.compile(graph_);
    double cosine = 0;
    for (size_t i = 0; i < data_.size(); ++i) {
        const auto sample = data_.get(i);
        const auto a = fp32_model->infer(sample.inputs).at(0).to_floats();
        const auto b = int8_model->infer(sample.inputs).at(0).to_floats();
        cosine += pot::Similarity::of(b, a).cosine();
    }
    EXPECT_GT(cosine / static_cast<double>(data_.size()), 0.99);
}

TEST_F(MinMax, FlattenOutputKeepsTheGridOfWhatItFlattens) {
    // fc reads Flatten(relu2): the same values, so the same quantizer and no statistics of its own;
    // its FakeQuantize is then the identity, which the cpu engine skips.
    quantize();
    const auto source = quantizer_producing(graph_, "relu2_out");
    const auto moved = quantizer_producing(graph_, "flatten_out");
    ASSERT_TRUE(source && moved);
    EXPECT_EQ(moved->input_low, source->input_low);
    EXPECT_EQ(moved->input_high, source->input_high);
    EXPECT_EQ(moved->levels, source->levels);
    bool reported = false;
    for (const auto& q : host_.reports().at("MinMaxQuantization").at("quantized"))
        if (q.at("value") == "flatten_out") {
            reported = true;
            EXPECT_EQ(q.at("same_grid_as"), "relu2_out");
        }
    EXPECT_TRUE(reported);
}

TEST_F(MinMax, IsTunableThroughPresetAndRangeEstimator) {
    // Found through the pipeline, inside DefaultQuantization too; a trial overrides the configured
    // params: min_max ranges contain the mean of per-sample maxima, mixed makes them asymmetric.
    pot::core::Logger logger(pot::LogLevel::Warning);
    const Graph float_model = graph_;
    pot::core::Evaluator evaluator(host_.engine(), data_, float_model, host_.metric());
    pot::core::Session session(host_.engine(), data_, evaluator, "CPU", logger, nullptr);
    pot::core::Pipeline dq(host_.registry(), {{"DefaultQuantization", "{}", "/compression/algorithms/0"}});
    ASSERT_EQ(dq.tunables().size(), 1u);
    EXPECT_EQ(dq.tunables()[0].prefix, "MinMaxQuantization");
    const auto space = dq.tunables()[0].tunable->search_space(graph_);
    ASSERT_EQ(space.dimensions.size(), 2u);
    EXPECT_EQ(space.dimensions[0].name, "preset");
    EXPECT_EQ(space.dimensions[1].name, "range_estimator");

    const auto quantized_with = [&](const std::map<std::string, std::string>& choice) {
        pot::core::Pipeline pipeline(host_.registry(), {{"MinMaxQuantization", "{}", "/compression/algorithms/0"}});
        pot::Trial trial;
        trial.choice = choice;
        pipeline.tunables().at(0).tunable->set_trial(trial);
        Graph g = pot::test::small_cnn();
        pipeline.run(g, session);
        return g;
    };
    const auto mean = quantizer_producing(quantized_with({}), "relu1_out");
    const auto global = quantizer_producing(quantized_with({{"range_estimator", "min_max"}}), "relu1_out");
    ASSERT_TRUE(mean && global);
    EXPECT_GT(global->input_high[0], mean->input_high[0]);
    const auto input_quantizer = [&](const Graph& g) {
        const auto params = quantizer_of(g, "conv1", 0);
        EXPECT_TRUE(params.has_value()) << "no FakeQuantize before conv1";
        return params.value_or(pot::FakeQuantizeParams{});
    };
    const auto symmetric = input_quantizer(quantized_with({}));
    const auto asymmetric = input_quantizer(quantized_with({{"preset", "mixed"}}));
    EXPECT_TRUE(symmetric.input_low != asymmetric.input_low || symmetric.input_high != asymmetric.input_high)
        << "mixed quantizes the signed input asymmetrically";

    pot::core::Pipeline pipeline(host_.registry(), {{"MinMaxQuantization", "{}", "/compression/algorithms/0"}});
    pot::Trial unknown;
    unknown.choice = {{"bits", "4"}};
    EXPECT_THROW(pipeline.tunables().at(0).tunable->set_trial(unknown), pot::Error);
}

TEST_F(MinMax, ReportListsEveryQuantizer) {
    quantize();
    const auto& section = host_.reports().at("MinMaxQuantization").at("quantized");
    EXPECT_EQ(section.size(), 7u);  // as counted in QuantizesConvAndGemmInputsWeightsAndActivatedOutputs
    EXPECT_EQ(section[0].at("kind"), "activations");
}

TEST_F(MinMax, UnknownParameterSuggestsTheRightOne) {
    try {
        quantize(R"({"stat_subset_sise": 10})");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("did you mean 'stat_subset_size'"), std::string::npos) << e.what();
    }
}

TEST_F(MinMax, BadBitsAreRejected) {
    EXPECT_THROW(quantize(R"({"activations": {"bits": 1}})"), pot::Error);
    EXPECT_THROW(quantize(R"({"ignored": {"scope_regex": ["("]}})"), pot::Error);
}

}  // namespace
