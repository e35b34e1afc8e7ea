// A graph with quantization is written at opset >= 13 (per-channel DequantizeLinear); older
// graphs are rewritten on the way out.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "model_builders.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "ort_runner.hpp"
#include "temp_dir.hpp"

namespace {

using pot::DType;
using pot::FakeQuantizeSite;
using pot::Graph;
using pot::Node;
using pot::Tensor;
using pot::test::fake_quantize_params;
using pot::test::node_named;
using pot::test::op_types;

/// x[2,4] -> FakeQuantize -> Clip[-0.5, 0.5] -> Unsqueeze(axes [0]) -> y[1,2,4], at `opset`.
/// Clip carries min/max as attributes before opset 11 and as inputs from 11 on.
Graph clip_unsqueeze_graph(int64_t opset) {
    Graph g;
    g.opset = opset;
    g.inputs.push_back({"x", DType::F32, {2, 4}});
    g.outputs.push_back({"y", DType::F32, {1, 2, 4}});
    Node clip{"clip", "Clip", "", {"x"}, {"c"}, {}};
    if (opset < 11) {
        clip.attributes["min"] = -0.5f;
        clip.attributes["max"] = 0.5f;
    } else {
        g.initializers["lo"] = Tensor::scalar(-0.5f);
        g.initializers["hi"] = Tensor::scalar(0.5f);
        clip.inputs = {"x", "lo", "hi"};
    }
    g.nodes.push_back(clip);
    g.nodes.push_back({"unsqueeze", "Unsqueeze", "", {"c"}, {"y"}, {{"axes", std::vector<int64_t>{0}}}});
    g.value_info["c"] = {"c", DType::F32, {2, 4}};
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0},
                              fake_quantize_params(DType::U8, {1.0f / 64}, {64}), 2);
    return g;
}

class OpsetUpgrade : public ::testing::TestWithParam<int64_t> {};

TEST_P(OpsetUpgrade, ClipAndUnsqueezeAreRewrittenForOpset13) {
    const Graph g = clip_unsqueeze_graph(GetParam());
    const Graph out = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    EXPECT_EQ(out.opset, 13);
    EXPECT_EQ(op_types(out), (std::vector<std::string>{"FakeQuantize", "Clip", "Unsqueeze"}));
    const Node& clip = node_named(out, "clip");
    ASSERT_EQ(clip.inputs.size(), 3u);
    EXPECT_TRUE(clip.attributes.empty());
    EXPECT_EQ(out.constant(clip.inputs[1]).to_floats(), std::vector<float>{-0.5f});
    EXPECT_EQ(out.constant(clip.inputs[2]).to_floats(), std::vector<float>{0.5f});
    const Node& unsqueeze = node_named(out, "unsqueeze");
    ASSERT_EQ(unsqueeze.inputs.size(), 2u);
    EXPECT_FALSE(unsqueeze.has_attr("axes"));
    EXPECT_EQ(out.constant(unsqueeze.inputs[1]).dtype(), DType::I64);
    EXPECT_EQ(out.constant(unsqueeze.inputs[1]).to_ints(), std::vector<int64_t>{0});
}

TEST_P(OpsetUpgrade, UpgradedModelRunsInOnnxRuntimeAndMatchesTheReference) {
    const std::string why = pot::test::onnxruntime_unavailable_reason();
    const char* skip = std::getenv("POT_SKIP_ONNXRUNTIME");
    if (!why.empty() && skip && std::string(skip) == "1") GTEST_SKIP() << why;
    ASSERT_TRUE(why.empty()) << why;
    const Graph g = clip_unsqueeze_graph(GetParam());
    pot::test::TempDir dir;
    pot::core::save_onnx(g, dir / "m.onnx");
    const Tensor x = pot::test::uniform_tensor({2, 4}, 3, -1.0f, 1.0f);
    const auto out = pot::test::run_in_onnxruntime(dir / "m.onnx", {x});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape(), (pot::Shape{1, 2, 4}));
    const Tensor xq = pot::test::apply_fake_quantize(x, pot::read_fake_quantize(g, g.nodes[0]));
    Tensor expected = xq.reshaped({1, 2, 4});
    for (int64_t i = 0; i < expected.numel(); ++i)
        expected.data<float>()[i] = std::clamp(expected.data<float>()[i], -0.5f, 0.5f);
    EXPECT_LE(pot::test::max_abs_diff(out[0], expected), 1e-6f);
}

INSTANTIATE_TEST_SUITE_P(FromOpset, OpsetUpgrade, ::testing::Values(9, 11, 12),
                         [](const auto& info) { return "opset" + std::to_string(info.param); });

/// Opset-9 chain of ops whose signatures changed before 13:
/// x[1,1,2,3] -> FakeQuantize -> Pad(pads attr, value 0.5) -> Slice(attrs: rows 1..2)
/// -> Upsample(scales attr 1,1,2,2) -> Dropout(ratio attr) -> ReduceSum(axes attr [3])
/// -> Squeeze(axes attr [3]) -> y[1,1,4]
Graph opset9_chain() {
    Graph g;
    g.opset = 9;
    g.inputs.push_back({"x", DType::F32, {1, 1, 2, 3}});
    g.outputs.push_back({"y", DType::F32, {1, 1, 4}});
    g.initializers["scales"] = Tensor::from_vector<float>({4}, {1, 1, 2, 2});
    g.nodes.push_back({"pad", "Pad", "", {"x"}, {"padded"},
                       {{"pads", std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}}, {"value", 0.5f}}});
    g.nodes.push_back({"slice", "Slice", "", {"padded"}, {"rows"},
                       {{"starts", std::vector<int64_t>{1}}, {"ends", std::vector<int64_t>{3}},
                        {"axes", std::vector<int64_t>{2}}}});
    g.nodes.push_back({"upsample", "Upsample", "", {"rows", "scales"}, {"big"}, {{"mode", std::string("nearest")}}});
    g.nodes.push_back({"dropout", "Dropout", "", {"big"}, {"kept"}, {{"ratio", 0.25f}}});
    g.nodes.push_back({"sum", "ReduceSum", "", {"kept"}, {"summed"}, {{"axes", std::vector<int64_t>{3}}}});
    g.nodes.push_back({"squeeze", "Squeeze", "", {"summed"}, {"y"}, {{"axes", std::vector<int64_t>{3}}}});
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0},
                              fake_quantize_params(DType::U8, {1.0f / 32}, {128}), 4);
    return g;
}

TEST(OpsetUpgradeChain, AttributesBecomeInputsAndUpsampleBecomesResize) {
    const Graph out = pot::core::parse_onnx(pot::core::serialize_onnx(opset9_chain()), "memory");
    EXPECT_EQ(out.opset, 13);
    EXPECT_EQ(op_types(out), (std::vector<std::string>{"FakeQuantize", "Pad", "Slice", "Resize", "Dropout",
                                                       "ReduceSum", "Squeeze"}));
    const Node& pad = node_named(out, "pad");
    ASSERT_EQ(pad.inputs.size(), 3u);
    EXPECT_EQ(out.constant(pad.inputs[1]).to_ints(), (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}));
    EXPECT_EQ(out.constant(pad.inputs[2]).to_floats(), std::vector<float>{0.5f});
    const Node& slice = node_named(out, "slice");
    ASSERT_EQ(slice.inputs.size(), 4u);
    EXPECT_EQ(out.constant(slice.inputs[3]).to_ints(), std::vector<int64_t>{2});
    const Node& resize = node_named(out, "upsample");
    ASSERT_EQ(resize.inputs.size(), 3u);
    EXPECT_EQ(resize.inputs[1], "");
    EXPECT_EQ(resize.attr_string("coordinate_transformation_mode", ""), "asymmetric");
    EXPECT_EQ(resize.attr_string("nearest_mode", ""), "floor");
    EXPECT_EQ(node_named(out, "dropout").inputs.size(), 2u);
    EXPECT_EQ(out.constant(node_named(out, "sum").inputs.at(1)).to_ints(), std::vector<int64_t>{3});
    EXPECT_EQ(out.constant(node_named(out, "squeeze").inputs.at(1)).to_ints(), std::vector<int64_t>{3});
}

TEST(OpsetUpgradeChain, UpgradedChainComputesWhatTheOpset9ChainMeans) {
    const std::string why = pot::test::onnxruntime_unavailable_reason();
    const char* skip = std::getenv("POT_SKIP_ONNXRUNTIME");
    if (!why.empty() && skip && std::string(skip) == "1") GTEST_SKIP() << why;
    ASSERT_TRUE(why.empty()) << why;
    const Graph g = opset9_chain();
    pot::test::TempDir dir;
    pot::core::save_onnx(g, dir / "m.onnx");
    const Tensor x = pot::test::uniform_tensor({1, 1, 2, 3}, 4, -2.0f, 2.0f);
    const auto out = pot::test::run_in_onnxruntime(dir / "m.onnx", {x});
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].shape(), (pot::Shape{1, 1, 4}));
    const Tensor xq = pot::test::apply_fake_quantize(x, pot::read_fake_quantize(g, g.nodes[0]));
    // Row r of the padded slice is [0.5, x[r], 0.5]; upsampling doubles rows and columns, so output
    // row i sums every element of source row i / 2 twice.
    for (int64_t i = 0; i < 4; ++i) {
        float row = 1.0f;
        for (int64_t c = 0; c < 3; ++c) row += xq.data<float>()[(i / 2) * 3 + c];
        EXPECT_NEAR(out[0].data<float>()[i], 2.0f * row, 1e-5f) << i;
    }
}

TEST(OpsetUpgradeChain, SplitSizesMoveToAnInput) {
    Graph g;
    g.opset = 11;
    g.inputs.push_back({"x", DType::F32, {2, 4}});
    g.outputs.push_back({"a", DType::F32, {2, 1}});
    g.outputs.push_back({"b", DType::F32, {2, 3}});
    g.nodes.push_back({"split", "Split", "", {"x"}, {"a", "b"},
                       {{"axis", int64_t{1}}, {"split", std::vector<int64_t>{1, 3}}}});
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0},
                              fake_quantize_params(DType::U8, {0.1f}, {128}), 2);
    const Graph out = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    const Node& split = node_named(out, "split");
    ASSERT_EQ(split.inputs.size(), 2u);
    EXPECT_FALSE(split.has_attr("split"));
    EXPECT_EQ(out.constant(split.inputs[1]).to_ints(), (std::vector<int64_t>{1, 3}));
}

TEST(OpsetUpgradeSoftmax, SoftmaxOnTheLastAxisKeepsOneNodeWithAnExplicitAxis) {
    Graph g;
    g.opset = 11;
    g.inputs.push_back({"x", DType::F32, {2, 5}});
    g.outputs.push_back({"y", DType::F32, {2, 5}});
    g.nodes.push_back({"softmax", "Softmax", "", {"x"}, {"y"}, {}});
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0},
                              fake_quantize_params(DType::U8, {0.1f}, {128}), 2);
    const Graph out = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    EXPECT_EQ(op_types(out), (std::vector<std::string>{"FakeQuantize", "Softmax"}));
    EXPECT_EQ(node_named(out, "softmax").attr_int("axis", -99), 1);
}

// Softmax-11 over axis 1 of [2,3,4] normalizes each row of 12 values; Softmax-13 would normalize
// over 3 values only. The exporter spells out the old meaning.
TEST(OpsetUpgradeSoftmax, SoftmaxOnAnInnerAxisKeepsItsOldMeaning) {
    Graph g;
    g.opset = 11;
    g.inputs.push_back({"x", DType::F32, {2, 3, 4}});
    g.outputs.push_back({"y", DType::F32, {2, 3, 4}});
    g.nodes.push_back({"softmax", "Softmax", "", {"x"}, {"y"}, {}});
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0},
                              fake_quantize_params(DType::U8, {1.0f / 32}, {128}), 3);
    const Graph out = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    EXPECT_EQ(op_types(out),
              (std::vector<std::string>{"FakeQuantize", "Shape", "Flatten", "Softmax", "Reshape"}));
    EXPECT_EQ(out.outputs[0].name, "y");

    const std::string why = pot::test::onnxruntime_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << "structure checked; running needs ONNX Runtime: " << why;
    pot::test::TempDir dir;
    pot::core::save_onnx(g, dir / "m.onnx");
    const Tensor x = pot::test::uniform_tensor({2, 3, 4}, 8, -2.0f, 2.0f);
    const auto got = pot::test::run_in_onnxruntime(dir / "m.onnx", {x});
    const Tensor xq = pot::test::apply_fake_quantize(x, pot::read_fake_quantize(g, g.nodes[0]));
    Tensor expected(DType::F32, {2, 3, 4});
    for (int64_t b = 0; b < 2; ++b) {
        double sum = 0;
        for (int64_t i = 0; i < 12; ++i) sum += std::exp(static_cast<double>(xq.data<float>()[b * 12 + i]));
        for (int64_t i = 0; i < 12; ++i)
            expected.data<float>()[b * 12 + i] =
                static_cast<float>(std::exp(static_cast<double>(xq.data<float>()[b * 12 + i])) / sum);
    }
    EXPECT_LE(pot::test::max_abs_diff(got[0], expected), 1e-6f);
}

TEST(OpsetUpgradeErrors, OpsetsOlderThanSevenAreRejected) {
    Graph g = clip_unsqueeze_graph(9);
    g.opset = 6;
    try {
        pot::core::serialize_onnx(g);
        ADD_FAILURE() << "no error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("opset 6"), std::string::npos) << e.what();
    }
}

TEST(OpsetUpgradeErrors, GraphWithoutQuantizationKeepsItsOpset) {
    Graph g = clip_unsqueeze_graph(9);
    g.nodes.erase(g.nodes.begin());
    g.replace_uses(g.nodes[0].inputs[0], "x");
    g.remove_unused_constants();
    const Graph out = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    EXPECT_EQ(out.opset, 9);
    EXPECT_TRUE(node_named(out, "clip").has_attr("min"));
}

}  // namespace
