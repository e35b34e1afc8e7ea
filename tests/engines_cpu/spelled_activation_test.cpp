// Activations written out in elementary ops (HardSwish before opset 14, SiLU) run as one oneDNN
// operation, never as oneDNN's scalar reference code, and compute what the reference engine does.
#include "engine_compare.hpp"

namespace pot::test {
namespace {

constexpr float kTolerance = 2e-4f;

/// x * Clip(x + 3, 0, 6) / 6, as exporters for opset 13 and older write HardSwish.
std::string spelled_hard_swish(GraphBuilder& g, const std::string& x) {
    const auto sum = g.node("Add", {x, g.constant(Tensor::scalar(3.0f))});
    const auto gate = g.node("Clip", {sum, g.constant(Tensor::scalar(0.0f)), g.constant(Tensor::scalar(6.0f))});
    return g.node("Div", {g.node("Mul", {x, gate}), g.constant(Tensor::scalar(6.0f))});
}

/// x * (Erf(x / sqrt(2)) + 1) * 0.5, as PyTorch exports GELU before opset 20.
std::string spelled_gelu(GraphBuilder& g, const std::string& x) {
    const auto erf = g.node("Erf", {g.node("Div", {x, g.constant(Tensor::scalar(1.4142135f))})});
    const auto gate = g.node("Add", {erf, g.constant(Tensor::scalar(1.0f))});
    return g.node("Mul", {g.node("Mul", {x, gate}), g.constant(Tensor::scalar(0.5f))});
}

/// LayerNorm over the last axis as exported before opset 17.
std::string spelled_layer_norm(GraphBuilder& g, const std::string& x, int64_t width) {
    const std::map<std::string, Attribute> last{{"axes", std::vector<int64_t>{-1}}};
    const auto centred = g.node("Sub", {x, g.node("ReduceMean", {x}, last)});
    const auto variance = g.node("ReduceMean", {g.node("Pow", {centred, g.constant(Tensor::scalar(2.0f))})}, last);
    const auto sd = g.node("Sqrt", {g.node("Add", {variance, g.constant(Tensor::scalar(1e-5f))})});
    const auto normed = g.node("Div", {centred, sd});
    const auto scaled = g.node("Mul", {normed, g.random_constant({width}, 0.5f, 1.5f)});
    return g.node("Add", {scaled, g.random_constant({width}, -0.5f, 0.5f)});
}

std::string spelled_swish(GraphBuilder& g, const std::string& x) {
    return g.node("Mul", {g.node("Sigmoid", {x}), x});
}

/// Conv -> `activation` -> 1x1 Conv on both engines, their outputs checked to agree.
Outputs between_convolutions(uint32_t seed, std::string (*activation)(GraphBuilder&, const std::string&)) {
    GraphBuilder g(seed);
    const auto x = g.input("x", {1, 8, 10, 10});
    g.output(g.conv(activation(g, g.conv(x, 8, 16, 3)), 16, 8, 1));
    auto out = run_both(g.graph(), {g.random_tensor({1, 8, 10, 10}, -4.0f, 4.0f)});
    expect_close(out, kTolerance);
    return out;
}

TEST(CpuEngineSpelledActivation, HardSwishAfterAConvolutionIsOnePostOp) {
    const auto out = between_convolutions(21, spelled_hard_swish);
    EXPECT_EQ(lines_with(out.plan, "convolution +HardSwish").size(), 1u) << out.plan;
    EXPECT_TRUE(lines_with(out.plan, "binary").empty()) << out.plan;
    EXPECT_TRUE(lines_with(out.plan, "eltwise").empty()) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, SwishAfterAConvolutionIsOnePostOp) {
    const auto out = between_convolutions(22, spelled_swish);
    EXPECT_EQ(lines_with(out.plan, "convolution +Swish").size(), 1u) << out.plan;
    EXPECT_TRUE(lines_with(out.plan, "binary").empty()) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, QuantizedConvolutionRequantizesAfterTheHardSwish) {
    // Where MinMaxQuantization puts the quantizer: after the activation.
    GraphBuilder g(27);
    const auto x = g.input("x", {1, 8, 10, 10});
    const QuantSpec symmetric{8, true, true, false}, asymmetric{8, false, true, false};
    // 7-bit weights: exact on CPUs without VNNI too.
    const auto first = g.qconv(g.fq_spec(x, -4.0f, 4.0f, symmetric), 8, 16, 3, {}, 1, 127);
    g.output(g.fq_spec(spelled_hard_swish(g, first), -0.375f, 6.0f, asymmetric));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 8, 10, 10}, -4.0f, 4.0f)});
    // Rounding ties may break the other way: one quantization step.
    const auto p = fake_quantize_from_range({-0.375f}, {6.0f}, asymmetric, -1);
    expect_close(out, fake_quantize_scale(p.input_low[0], p.input_high[0], p.levels) * 1.001f);
    EXPECT_EQ(lines_with(out.plan, "convolution +HardSwish +requantize").size(), 1u) << out.plan;
    EXPECT_TRUE(lines_with(out.plan, "f32:f32").empty()) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, HardSwishOfAGraphInputIsOneEltwise) {
    GraphBuilder g(23);
    const auto x = g.input("x", {1, 16, 7, 7});
    g.output(spelled_hard_swish(g, x));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 16, 7, 7}, -5.0f, 5.0f)});
    expect_close(out, kTolerance);
    EXPECT_EQ(lines_with(out.plan, "eltwise HardSwish").size(), 1u) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, NodesWithoutNamesFuseToo) {
    // ONNX allows empty and repeated node names.
    GraphBuilder g(32);
    const auto x = g.input("x", {1, 8, 6, 6});
    g.output(g.conv(spelled_gelu(g, spelled_hard_swish(g, g.conv(x, 8, 8, 3))), 8, 4, 1));
    for (auto& node : g.graph().nodes) node.name.clear();
    const auto out = run_both(g.graph(), {g.random_tensor({1, 8, 6, 6}, -4.0f, 4.0f)});
    expect_close(out, kTolerance);
    EXPECT_EQ(lines_with(out.plan, "convolution +HardSwish +Gelu").size(), 1u) << out.plan;
}

TEST(CpuEngineSpelledActivation, ObservedInnerValuesKeepTheNodes) {
    // Statistics of a value inside the pattern need the pattern's own nodes.
    GraphBuilder g(24);
    const auto x = g.input("x", {1, 4, 5, 5});
    const auto y = spelled_hard_swish(g, g.conv(x, 4, 4, 3));
    g.output(y);
    const std::string sum = g.graph().nodes[1].outputs[0];
    ASSERT_EQ(g.graph().nodes[1].op_type, "Add");
    cpu::CpuEngine engine;
    auto model = engine.compile(g.graph());
    const auto input = g.random_tensor({1, 4, 5, 5}, -3.0f, 3.0f);
    struct Seen : ValueObserver {
        void on_value(const std::string& value, const Tensor&) override { names.push_back(value); }
        std::vector<std::string> names;
    } seen;
    const auto with_observer = model->infer({input}, {sum}, &seen);
    EXPECT_EQ(seen.names, std::vector<std::string>{sum});
    EXPECT_TRUE(lines_with(cpu::CpuEngine::describe_plan(*model), "HardSwish").empty());
    const auto plain = model->infer({input});
    EXPECT_EQ(lines_with(cpu::CpuEngine::describe_plan(*model), "convolution +HardSwish").size(), 1u);
    EXPECT_LE(max_abs_diff(with_observer[0], plain[0]), kTolerance);
}

TEST(CpuEngineSpelledActivation, EltwiseChainsWithoutAProducerAvoidReferenceCode) {
    // x + 3 then Clip(0, 6) has no op to fuse into; oneDNN 2.x runs eltwise primitives with
    // post-ops in reference code only.
    GraphBuilder g(25);
    const auto x = g.input("x", {1, 16, 9, 9});
    const auto sum = g.node("Add", {x, g.constant(Tensor::scalar(3.0f))});
    g.output(g.node("Clip", {sum, g.constant(Tensor::scalar(0.0f)), g.constant(Tensor::scalar(6.0f))}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 16, 9, 9}, -8.0f, 8.0f)});
    expect_close(out, kTolerance);
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, ActivationBeforeAResidualAddStaysInOneDnn) {
    GraphBuilder g(26);
    const auto x = g.input("x", {1, 8, 6, 6});
    const auto y = g.node("Sigmoid", {x});
    g.output(g.node("Add", {y, g.node("Relu", {x})}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 8, 6, 6}, -3.0f, 3.0f)});
    expect_close(out, kTolerance);
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, SqueezeExciteGateProductAvoidsReferenceCode) {
    // x * HardSigmoid(conv(GlobalAveragePool(x))): the [1, C, 1, 1] gate broadcast over a blocked
    // activation got oneDNN's reference binary kernel when read in plain layout.
    GraphBuilder g(28);
    const auto x = g.input("x", {1, 24, 14, 14});
    const auto act = g.node("Relu", {g.conv(x, 24, 24, 3)});
    const auto gate = g.node("HardSigmoid", {g.conv(g.node("GlobalAveragePool", {act}), 24, 24, 1)},
                             {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
    g.output(g.conv(g.node("Mul", {act, gate}), 24, 8, 1));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 24, 14, 14}, -2.0f, 2.0f)});
    expect_close(out, kTolerance);
    EXPECT_EQ(lines_with(out.plan, "binary Mul").size(), 1u) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, GeluAfterAMatMulIsOnePostOp) {
    GraphBuilder g(29);
    const auto x = g.input("x", {6, 32});
    g.output(g.node("MatMul", {spelled_gelu(g, g.node("MatMul", {x, g.random_constant({32, 48})})),
                               g.random_constant({48, 16})}));
    const auto out = run_both(g.graph(), {g.random_tensor({6, 32}, -2.0f, 2.0f)});
    expect_close(out, kTolerance);
    EXPECT_EQ(lines_with(out.plan, "matmul +Gelu").size(), 1u) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, SpelledLayerNormIsOnePrimitive) {
    GraphBuilder g(30);
    const auto x = g.input("x", {1, 10, 24});
    g.output(spelled_layer_norm(g, g.node("Relu", {x}), 24));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 10, 24}, -3.0f, 3.0f)});
    expect_close(out, 1e-4f);
    EXPECT_EQ(lines_with(out.plan, "layer_normalization").size(), 1u) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineSpelledActivation, LayerNormalizationOpRunsInOneDnn) {
    // Over the last axis and over the last two.
    for (const int64_t axis : {int64_t{-1}, int64_t{1}}) {
        GraphBuilder g(31);
        const auto x = g.input("x", {2, 5, 12});
        const Shape params = axis == -1 ? Shape{12} : Shape{5, 12};
        g.output(g.node("LayerNormalization", {x, g.random_constant(params, 0.5f, 1.5f), g.random_constant(params)},
                        {{"axis", axis}, {"epsilon", 1e-5f}}));
        const auto out = run_both(g.graph(), {g.random_tensor({2, 5, 12}, -3.0f, 3.0f)});
        expect_close(out, 1e-4f);
        EXPECT_EQ(lines_with(out.plan, "layer_normalization").size(), 1u) << out.plan;
        expect_no_reference_code(out.plan);
    }
}

TEST(CpuEngineBatchNorm, BatchNormalizationAfterAConcatRunsInOneDnnWithItsRelu) {
    // DenseNet's pre-activation block: Concat -> BatchNormalization -> Relu -> Conv; the Relu fuses.
    GraphBuilder g(41);
    const auto x = g.input("x", {2, 8, 9, 9});
    const auto a = g.node("Conv", {x, g.random_constant({8, 8, 3, 3}, -0.2f, 0.2f)}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
    const auto cat = g.node("Concat", {x, a}, {{"axis", int64_t{1}}});
    const Shape c{16};
    const auto bn = g.node("BatchNormalization", {cat, g.random_constant(c, 0.5f, 1.5f), g.random_constant(c),
                                                  g.random_constant(c), g.random_constant(c, 0.2f, 2.0f)},
                           {{"epsilon", 1e-3f}});
    const auto relu = g.node("Relu", {bn});
    g.output(g.node("Conv", {relu, g.random_constant({4, 16, 1, 1}, -0.3f, 0.3f)}));
    // A second one on a 2-D input, followed by an activation that does not fuse.
    const auto flat = g.node("Flatten", {g.node("GlobalAveragePool", {cat})});
    const auto bn2 = g.node("BatchNormalization", {flat, g.random_constant(c, 0.5f, 1.5f), g.random_constant(c),
                                                   g.random_constant(c), g.random_constant(c, 0.2f, 2.0f)});
    g.output(g.node("Sigmoid", {bn2}));
    const auto out = run_both(g.graph(), {g.random_tensor({2, 8, 9, 9}, -2.0f, 2.0f)});
    expect_close(out, 1e-4f);
    const auto lines = lines_with(out.plan, "batch_normalization");
    ASSERT_EQ(lines.size(), 2u) << out.plan;
    EXPECT_NE(lines[0].find("+Relu"), std::string::npos) << out.plan;
    EXPECT_EQ(lines[1].find("+"), std::string::npos) << out.plan;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineBatchNorm, DenseBlockKeepsTheConvolutionLayoutThroughConcatAndNorm) {
    // Three DenseNet layers: each concatenates its 8 new channels to the block's features. The
    // concats keep the layout of the convolutions around them, so the normalizations never run
    // on plain NCHW (oneDNN's slow ncsp kernel) and no copy into a plain layout is made.
    GraphBuilder g(43);
    // The block starts from plain NCHW features (the model input here, a pooling in DenseNet).
    auto features = g.input("x", {1, 16, 12, 12});
    int64_t channels = 16;
    for (int layer = 0; layer < 3; ++layer) {
        const Shape c{channels};
        const auto bn = g.node("BatchNormalization", {features, g.random_constant(c, 0.5f, 1.5f), g.random_constant(c),
                                                      g.random_constant(c), g.random_constant(c, 0.2f, 2.0f)});
        const auto bottleneck = g.node("Relu", {g.node("Conv", {g.node("Relu", {bn}),
                                                                g.random_constant({32, channels, 1, 1}, -0.3f, 0.3f)})});
        const auto grown = g.node("Conv", {bottleneck, g.random_constant({16, 32, 3, 3}, -0.2f, 0.2f)},
                                  {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
        features = g.node("Concat", {features, grown}, {{"axis", int64_t{1}}});
        channels += 16;
    }
    g.output(g.node("GlobalAveragePool", {features}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 16, 12, 12}, -2.0f, 2.0f)});
    expect_close(out, 1e-4f);
    // The first normalization reads the plain model input; the ones after a concat must not.
    const auto norms = lines_with(out.plan, "batch_normalization");
    ASSERT_EQ(norms.size(), 3u) << out.plan;
    for (size_t i = 1; i < norms.size(); ++i)
        EXPECT_EQ(norms[i].find("ncsp"), std::string::npos) << "a normalization on plain NCHW:\n" << out.plan;
    // In 16-channel blocks each concat copies its two inputs into their parts of the output (a
    // step per input), and from the first concat on the block keeps one layout: no reorder but
    // the one into the plain graph output.
    EXPECT_EQ(lines_with(out.plan, "concat").size(), 6u) << out.plan;
    EXPECT_EQ(lines_with(out.plan.substr(out.plan.find("concat")), "reorder").size(), 1u) << out.plan;
    expect_no_reference_code(out.plan);
}

}  // namespace
}  // namespace pot::test
