#include <gtest/gtest.h>

#include <cmath>

#include "model_builders.hpp"
#include "pot/core/graph_transforms.hpp"

namespace {

using pot::DType;
using pot::Graph;
using pot::Node;
using pot::Tensor;
using pot::test::op_types;

struct BatchNormParams {
    std::vector<float> gamma, beta, mean, var;
    float epsilon = 1e-3f;
};

BatchNormParams bn_params() {
    return {{1.5f, 0.5f, -2.0f}, {0.1f, -0.2f, 0.3f}, {0.25f, -1.0f, 2.0f}, {4.0f, 0.25f, 1.0f}, 1e-3f};
}

/// Appends BatchNormalization 'bn' reading `src` and writing `dst`, with constants bn.*.
void add_batch_norm(Graph& g, const std::string& src, const std::string& dst, const BatchNormParams& p) {
    const auto n = static_cast<int64_t>(p.gamma.size());
    g.initializers["bn.gamma"] = Tensor::from_vector<float>({n}, p.gamma);
    g.initializers["bn.beta"] = Tensor::from_vector<float>({n}, p.beta);
    g.initializers["bn.mean"] = Tensor::from_vector<float>({n}, p.mean);
    g.initializers["bn.var"] = Tensor::from_vector<float>({n}, p.var);
    g.nodes.push_back({"bn", "BatchNormalization", "", {src, "bn.gamma", "bn.beta", "bn.mean", "bn.var"},
                       {dst}, {{"epsilon", p.epsilon}}});
}

/// Per-channel multiplier gamma / sqrt(var + eps), computed in double.
std::vector<double> multipliers(const BatchNormParams& p) {
    std::vector<double> m;
    for (size_t c = 0; c < p.gamma.size(); ++c)
        m.push_back(p.gamma[c] / std::sqrt(static_cast<double>(p.var[c]) + p.epsilon));
    return m;
}

/// x -> Conv 'conv' -> conv_out -> BatchNormalization -> y
Graph conv_bn_graph(bool with_bias) {
    Graph g = pot::test::conv_relu_graph({.in_channels = 2, .out_channels = 3, .size = 4, .kernel = 3, .with_bias = with_bias, .seed = 4});
    g.nodes.pop_back();  // the Relu
    add_batch_norm(g, "conv_out", "y", bn_params());
    return g;
}

TEST(FoldBatchNorm, ConvWithBiasGetsScaledWeightsAndShiftedBias) {
    Graph g = conv_bn_graph(true);
    const Tensor w = g.constant("conv.weight");
    const Tensor b = g.constant("conv.bias");
    pot::core::fold_batch_norm(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Conv"});
    const Node& conv = g.nodes[0];
    EXPECT_EQ(conv.outputs, std::vector<std::string>{"y"});
    ASSERT_EQ(conv.inputs.size(), 3u);
    const auto p = bn_params();
    const auto m = multipliers(p);
    const Tensor& w2 = g.constant(conv.inputs[1]);
    const Tensor& b2 = g.constant(conv.inputs[2]);
    ASSERT_EQ(w2.shape(), w.shape());
    for (int64_t i = 0; i < w.numel(); ++i) {
        const size_t c = static_cast<size_t>(i / 18);
        EXPECT_NEAR(w2.data<float>()[i], w.data<float>()[i] * m[c], 1e-6) << i;
    }
    for (size_t c = 0; c < 3; ++c)
        EXPECT_NEAR(b2.data<float>()[c], (b.data<float>()[c] - p.mean[c]) * m[c] + p.beta[c], 1e-6) << c;
    for (const char* gone : {"bn.gamma", "bn.beta", "bn.mean", "bn.var"}) EXPECT_FALSE(g.is_constant(gone));
    EXPECT_FALSE(g.value_info.count("conv_out"));
}

TEST(FoldBatchNorm, ConvWithoutBiasGetsANewBiasInput) {
    Graph g = conv_bn_graph(false);
    pot::core::fold_batch_norm(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Conv"});
    const Node& conv = g.nodes[0];
    ASSERT_EQ(conv.inputs.size(), 3u);
    const auto p = bn_params();
    const auto m = multipliers(p);
    const auto bias = g.constant(conv.inputs[2]).to_floats();
    ASSERT_EQ(bias.size(), 3u);
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(bias[c], p.beta[c] - p.mean[c] * m[c], 1e-6) << c;
}

TEST(FoldBatchNorm, GemmWithTransposedWeightScalesRowsAndFoldsBeta) {
    Graph g;
    g.inputs.push_back({"x", DType::F32, {2, 4}});
    g.outputs.push_back({"y", DType::F32, {2, 3}});
    const Tensor w = pot::test::uniform_tensor({3, 4}, 7);  // [N, K] with transB
    g.initializers["fc.weight"] = w;
    g.initializers["fc.bias"] = Tensor::from_vector<float>({3}, {1.0f, 2.0f, 3.0f});
    g.nodes.push_back({"fc", "Gemm", "", {"x", "fc.weight", "fc.bias"}, {"h"},
                       {{"transB", int64_t{1}}, {"beta", 0.5f}}});
    add_batch_norm(g, "h", "y", bn_params());
    pot::core::fold_batch_norm(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Gemm"});
    const Node& fc = g.nodes[0];
    EXPECT_EQ(fc.attr_float("beta", 0.0f), 1.0f);
    const auto p = bn_params();
    const auto m = multipliers(p);
    const Tensor& w2 = g.constant(fc.inputs[1]);
    for (int64_t i = 0; i < 12; ++i)
        EXPECT_NEAR(w2.data<float>()[i], w.data<float>()[i] * m[static_cast<size_t>(i / 4)], 1e-6);
    const auto bias = g.constant(fc.inputs[2]).to_floats();
    const float c_values[] = {1.0f, 2.0f, 3.0f};
    for (size_t c = 0; c < 3; ++c)
        EXPECT_NEAR(bias[c], (0.5 * c_values[c] - p.mean[c]) * m[c] + p.beta[c], 1e-6) << c;
}

TEST(FoldBatchNorm, MatMulWithTwoDimensionalInputBecomesGemmWithBias) {
    Graph g;
    g.inputs.push_back({"x", DType::F32, {2, 4}});
    g.outputs.push_back({"y", DType::F32, {2, 3}});
    const Tensor w = pot::test::uniform_tensor({4, 3}, 8);  // [K, N]
    g.initializers["mm.weight"] = w;
    g.nodes.push_back({"mm", "MatMul", "", {"x", "mm.weight"}, {"h"}, {}});
    add_batch_norm(g, "h", "y", bn_params());
    pot::core::fold_batch_norm(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Gemm"});
    const Node& mm = g.nodes[0];
    EXPECT_EQ(mm.name, "mm");
    ASSERT_EQ(mm.inputs.size(), 3u);
    const auto m = multipliers(bn_params());
    const Tensor& w2 = g.constant(mm.inputs[1]);
    for (int64_t i = 0; i < 12; ++i)
        EXPECT_NEAR(w2.data<float>()[i], w.data<float>()[i] * m[static_cast<size_t>(i % 3)], 1e-6);
}

TEST(FoldBatchNorm, NotFoldedWhenTheConvOutputHasAnotherReader) {
    Graph g = conv_bn_graph(true);
    g.nodes.push_back({"other", "Relu", "", {"conv_out"}, {"z"}, {}});
    g.outputs.push_back({"z", DType::F32, {}});
    pot::core::fold_batch_norm(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Conv", "BatchNormalization", "Relu"}));
}

TEST(FoldBatchNorm, NotFoldedIntoANonConstantWeight) {
    Graph g = conv_bn_graph(true);
    g.inputs.push_back({"w_in", DType::F32, {3, 2, 3, 3}});
    g.nodes[0].inputs[1] = "w_in";
    pot::core::fold_batch_norm(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Conv", "BatchNormalization"}));
}

TEST(FoldBatchNorm, SharedWeightIsCopiedNotChanged) {
    Graph g = conv_bn_graph(true);
    const Tensor w = g.constant("conv.weight");
    g.nodes.push_back({"conv2", "Conv", "", {"x", "conv.weight"}, {"z"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}});
    g.outputs.push_back({"z", DType::F32, {}});
    pot::core::fold_batch_norm(g);
    ASSERT_EQ(op_types(g), (std::vector<std::string>{"Conv", "Conv"}));
    EXPECT_NE(g.nodes[0].inputs[1], "conv.weight");
    EXPECT_EQ(g.nodes[1].inputs[1], "conv.weight");
    EXPECT_EQ(pot::test::max_abs_diff(g.constant("conv.weight"), w), 0.0f);
}

}  // namespace
