// Every oneDNN-lowered op against the reference engine, in f32, over several shapes.
#include <functional>
#include <limits>

#include "pot/core/graph_transforms.hpp"

#include "engine_compare.hpp"

namespace pot::test {
namespace {

constexpr float kFp32Tolerance = 2e-4f;

struct OpCase {
    std::string name;
    std::function<std::string(GraphBuilder&, const std::string&)> build;  // x -> y
    Shape input;
};

std::ostream& operator<<(std::ostream& os, const OpCase& c) { return os << c.name; }

class Fp32Op : public ::testing::TestWithParam<OpCase> {};

TEST_P(Fp32Op, MatchesReference) {
    const OpCase& c = GetParam();
    GraphBuilder g(11);
    const auto x = g.input("x", c.input);
    g.output(c.build(g, x));
    const auto input = g.random_tensor(c.input, -2.0f, 2.0f);
    expect_close(run_both(g.graph(), {input}), kFp32Tolerance);
}

using Attrs = std::map<std::string, Attribute>;
using Ints = std::vector<int64_t>;

std::vector<OpCase> conv_cases() {
    std::vector<OpCase> cases;
    for (const Shape& s : {Shape{1, 3, 17, 17}, Shape{2, 16, 8, 8}, Shape{1, 32, 7, 9}}) {
        const int64_t c = s[1];
        const std::string tag = std::to_string(c) + "x" + std::to_string(s[2]) + "x" +
                                std::to_string(s[3]) + "_n" + std::to_string(s[0]);
        cases.push_back({"Conv3x3_" + tag, [c](GraphBuilder& g, const std::string& x) { return g.conv(x, c, 8, 3); }, s});
        cases.push_back({"Conv1x1NoBias_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             return g.conv(x, c, 24, 1, {}, false); }, s});
        cases.push_back({"ConvStride2Pad_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             return g.conv(x, c, 16, 3, {{"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 2, 1}}}); }, s});
        cases.push_back({"ConvDilated_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             return g.conv(x, c, 8, 3, {{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}); }, s});
        cases.push_back({"ConvSameUpper5x5_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             const auto y = g.conv(x, c, 8, 5, {{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}});
                             g.graph().nodes.back().attributes.erase("pads");
                             return y; }, s});
        if (c % 4 == 0) {
            cases.push_back({"ConvGroups4_" + tag, [c](GraphBuilder& g, const std::string& x) {
                                 return g.conv(x, c, 8, 3, {}, true, 4); }, s});
        }
        cases.push_back({"ConvDepthwise_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             return g.conv(x, c, c, 3, {}, true, c); }, s});
        cases.push_back({"ConvRelu_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             return g.node("Relu", {g.conv(x, c, 8, 3)}); }, s});
        cases.push_back({"ConvClipHardSwish_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             const auto lo = g.constant(Tensor::scalar(0.0f)), hi = g.constant(Tensor::scalar(1.5f));
                             return g.node("HardSwish", {g.node("Clip", {g.conv(x, c, 8, 3), lo, hi})}); }, s});
        cases.push_back({"ConvResidualAddRelu_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             const auto a = g.conv(x, c, c, 3);
                             return g.node("Relu", {g.node("Add", {g.conv(a, c, c, 3), a})}); }, s});
        cases.push_back({"ConvAddInputNotLastUse_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             const auto a = g.conv(x, c, c, 1);
                             const auto sum = g.node("Add", {g.conv(a, c, c, 3), a});
                             return g.node("Mul", {sum, a}); }, s});
    }
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Conv, Fp32Op, ::testing::ValuesIn(conv_cases()),
                         [](const auto& info) { return info.param.name; });

std::vector<OpCase> pool_cases() {
    std::vector<OpCase> cases;
    for (const Shape& s : {Shape{1, 3, 16, 16}, Shape{2, 8, 7, 9}, Shape{1, 16, 13, 13}}) {
        const std::string tag = std::to_string(s[1]) + "x" + std::to_string(s[2]) + "x" + std::to_string(s[3]);
        cases.push_back({"MaxPool2x2_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("MaxPool", {x}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}); }, s});
        cases.push_back({"MaxPool3x3Pad_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("MaxPool", {x}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}},
                                                            {"pads", Ints{1, 1, 1, 1}}}); }, s});
        cases.push_back({"MaxPoolCeil_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("MaxPool", {x}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}},
                                                            {"ceil_mode", int64_t{1}}}); }, s});
        cases.push_back({"AvgPoolExcludePad_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("AveragePool", {x}, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}); }, s});
        cases.push_back({"AvgPoolIncludePad_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("AveragePool", {x}, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}},
                                                                {"count_include_pad", int64_t{1}}}); }, s});
        cases.push_back({"GlobalAvgPool_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("GlobalAveragePool", {x}); }, s});
    }
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Pool, Fp32Op, ::testing::ValuesIn(pool_cases()),
                         [](const auto& info) { return info.param.name; });

std::vector<OpCase> eltwise_cases() {
    std::vector<OpCase> cases;
    const std::vector<std::pair<std::string, Attrs>> ops = {
        {"Relu", {}}, {"LeakyRelu", {{"alpha", 0.1f}}}, {"Sigmoid", {}}, {"Tanh", {}}, {"HardSwish", {}},
        {"HardSigmoid", {}}, {"Exp", {}}, {"Abs", {}}, {"Neg", {}}};
    for (const Shape& s : {Shape{1, 8, 5, 5}, Shape{3, 17}, Shape{2, 4, 3, 2, 2}}) {
        const std::string tag = std::to_string(s.size()) + "d" + std::to_string(shape_numel(s));
        for (const auto& [op, attrs] : ops)
            cases.push_back({op + "_" + tag, [op = op, attrs = attrs](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {x}, attrs); }, s});
        cases.push_back({"Clip_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("Clip", {x, g.constant(Tensor::scalar(-0.5f)), g.constant(Tensor::scalar(0.7f))}); }, s});
        cases.push_back({"ReluThenSigmoid_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("Sigmoid", {g.node("Relu", {x})}); }, s});
    }
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Eltwise, Fp32Op, ::testing::ValuesIn(eltwise_cases()),
                         [](const auto& info) { return info.param.name; });

std::vector<OpCase> binary_cases() {
    std::vector<OpCase> cases;
    for (const Shape& s : {Shape{1, 8, 5, 5}, Shape{2, 16, 4, 3}, Shape{4, 10}}) {
        const std::string tag = std::to_string(s.size()) + "d" + std::to_string(shape_numel(s));
        Shape per_channel(s.size(), 1);
        per_channel[1] = s[1];
        for (const std::string op : {"Add", "Sub", "Mul", "Div"}) {
            cases.push_back({op + "SameShape_" + tag, [op, s](GraphBuilder& g, const std::string& x) {
                                 const auto y = g.node("Relu", {x});
                                 return g.node(op, {x, g.node("Add", {y, g.constant(Tensor::scalar(1.0f))})}); }, s});
            cases.push_back({op + "PerChannelConst_" + tag, [op, per_channel](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {x, g.random_constant(per_channel, 0.5f, 1.5f)}); }, s});
            cases.push_back({op + "Scalar_" + tag, [op](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {x, g.constant(Tensor::scalar(1.25f))}); }, s});
        }
        cases.push_back({"AddConstFirst_" + tag, [per_channel](GraphBuilder& g, const std::string& x) {
                             return g.node("Add", {g.random_constant(per_channel), x}); }, s});
    }
    // Window attention: a mask broadcast over the window axis, constant and computed.
    const Shape scores{1, 4, 3, 5, 5};
    cases.push_back({"AddMaskBroadcastMiddleAxis", [](GraphBuilder& g, const std::string& x) {
                         return g.node("Add", {x, g.random_constant({1, 4, 1, 5, 5})}); }, scores});
    cases.push_back({"MulComputedBroadcastMiddleAxes", [](GraphBuilder& g, const std::string& x) {
                         const auto mean = g.node("ReduceMean", {x}, {{"axes", Ints{1, 2}}});
                         return g.node("Relu", {g.node("Mul", {x, g.node("Sigmoid", {mean})})}); }, scores});
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Binary, Fp32Op, ::testing::ValuesIn(binary_cases()),
                         [](const auto& info) { return info.param.name; });

std::vector<OpCase> dense_cases() {
    std::vector<OpCase> cases;
    for (const Shape& s : {Shape{1, 64}, Shape{5, 33}, Shape{8, 128}}) {
        const int64_t k = s[1];
        const std::string tag = std::to_string(s[0]) + "x" + std::to_string(k);
        cases.push_back({"GemmTransB_" + tag, [k](GraphBuilder& g, const std::string& x) {
                             return g.node("Gemm", {x, g.random_constant({10, k}), g.random_constant({10})},
                                           {{"transB", int64_t{1}}}); }, s});
        cases.push_back({"GemmAlphaBeta_" + tag, [k](GraphBuilder& g, const std::string& x) {
                             return g.node("Gemm", {x, g.random_constant({k, 7}), g.random_constant({1, 7})},
                                           {{"alpha", 0.5f}, {"beta", 2.0f}}); }, s});
        cases.push_back({"GemmRelu_" + tag, [k](GraphBuilder& g, const std::string& x) {
                             return g.node("Relu", {g.node("Gemm", {x, g.random_constant({k, 12})})}); }, s});
        cases.push_back({"MatMulConst_" + tag, [k](GraphBuilder& g, const std::string& x) {
                             return g.node("MatMul", {x, g.random_constant({k, 9})}); }, s});
        cases.push_back({"Softmax_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("Softmax", {x}); }, s});
        cases.push_back({"LogSoftmax_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("LogSoftmax", {x}); }, s});
        cases.push_back({"TransposeMatMul_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("MatMul", {x, g.node("Transpose", {x})}); }, s});
    }
    for (const Shape& s : {Shape{2, 3, 16}, Shape{1, 5, 8}}) {
        const std::string tag = std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
        cases.push_back({"MatMul3dConst_" + tag, [s](GraphBuilder& g, const std::string& x) {
                             return g.node("MatMul", {x, g.random_constant({s[2], 6})}); }, s});
        cases.push_back({"MatMulBatched_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("MatMul", {x, g.node("Transpose", {x}, {{"perm", Ints{0, 2, 1}}})}); }, s});
        cases.push_back({"Softmax3dAxis1_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("Softmax", {x}, {{"axis", int64_t{1}}}); }, s});
        cases.push_back({"LogSoftmax3dAxis1_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("LogSoftmax", {x}, {{"axis", int64_t{1}}}); }, s});
    }
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Dense, Fp32Op, ::testing::ValuesIn(dense_cases()),
                         [](const auto& info) { return info.param.name; });

std::vector<OpCase> data_cases() {
    std::vector<OpCase> cases;
    for (const Shape& s : {Shape{1, 8, 4, 4}, Shape{2, 3, 5, 7}}) {
        const int64_t c = s[1];
        const std::string tag = std::to_string(s[0]) + "x" + std::to_string(c) + "x" + std::to_string(s[2]);
        cases.push_back({"ConcatChannels_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             return g.node("Concat", {g.conv(x, c, 8, 3), x, g.node("Relu", {x})}, {{"axis", int64_t{1}}}); }, s});
        cases.push_back({"ConcatLastAxis_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("Concat", {x, g.node("Sigmoid", {x})}, {{"axis", int64_t{-1}}}); }, s});
        cases.push_back({"ConvFlattenGemm_" + tag, [c, s](GraphBuilder& g, const std::string& x) {
                             const auto f = g.node("Flatten", {g.conv(x, c, 4, 3)});
                             return g.node("Gemm", {f, g.random_constant({5, 4 * s[2] * s[3]})}, {{"transB", int64_t{1}}}); }, s});
        cases.push_back({"ReshapeShapeOf_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto shape = g.node("Shape", {x});
                             const auto r = g.node("Reshape", {g.node("Relu", {x}), g.constant(Tensor::from_vector<int64_t>({2}, {0, -1}))});
                             return g.node("Reshape", {r, shape}); }, s});
        cases.push_back({"SliceChannelSplit_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             // ShuffleNet's split: the two halves of the channels, one through a conv.
                             const auto i64 = [&](std::vector<int64_t> v) {
                                 return g.constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v)); };
                             const auto a = g.node("Slice", {x, i64({0}), i64({c / 2}), i64({1})});
                             const auto b = g.node("Slice", {x, i64({c / 2}), i64({INT64_MAX}), i64({1})});
                             return g.node("Concat", {g.node("Relu", {a}), b}, {{"axis", int64_t{1}}}); }, s});
        cases.push_back({"SliceNegativeAndTwoAxes_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto i64 = [&](std::vector<int64_t> v) {
                                 return g.constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v)); };
                             return g.node("Slice", {x, i64({-3, 1}), i64({-1, 100}), i64({-1, 2}), i64({1, 1})}); }, s});
        cases.push_back({"SliceStepTwo_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto i64 = [&](std::vector<int64_t> v) {
                                 return g.constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v)); };
                             return g.node("Slice", {x, i64({0}), i64({4}), i64({2}), i64({2})}); }, s});
        cases.push_back({"SliceStepsOddStartsTwoAxes_" + tag, [](GraphBuilder& g, const std::string& x) {
                             // Swin's patch merging: x[..., 1::2, 0::3] (an odd window end keeps its last row).
                             const auto i64 = [&](std::vector<int64_t> v) {
                                 return g.constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v)); };
                             return g.node("Relu", {g.node("Slice", {x, i64({1, 0}), i64({INT64_MAX, -1}), i64({2, 3}), i64({2, 3})})}); }, s});
        cases.push_back({"SliceNegativeStepFallsBack_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto i64 = [&](std::vector<int64_t> v) {
                                 return g.constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v)); };
                             return g.node("Slice", {x, i64({-1}), i64({INT64_MIN}), i64({3}), i64({-2})}); }, s});
        cases.push_back({"PadSpatialZerosThenConv_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             const auto pads = g.constant(Tensor::from_vector<int64_t>({8}, {0, 0, 1, 2, 0, 0, 2, 1}));
                             return g.conv(g.node("Pad", {x, pads}), c, 4, 3); }, s});
        cases.push_back({"PadValueOnEveryAxis_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto pads = g.constant(Tensor::from_vector<int64_t>({8}, {1, 0, 0, 3, 0, 2, 1, 0}));
                             return g.node("Pad", {g.node("Relu", {x}), pads, g.constant(Tensor::scalar(1.5f))}); }, s});
        cases.push_back({"PadReflectFallsBack_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto pads = g.constant(Tensor::from_vector<int64_t>({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
                             return g.node("Pad", {x, pads}, {{"mode", std::string("reflect")}}); }, s});
        cases.push_back({"PadNegativeCropsOnTheReferenceKernel_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto pads = g.constant(Tensor::from_vector<int64_t>({8}, {0, 0, -1, 1, 0, 0, 1, -1}));
                             return g.node("Pad", {x, pads}); }, s});
        cases.push_back({"GatherScalarIndex_" + tag, [](GraphBuilder& g, const std::string& x) {
                             // q, k or v taken from a fused projection: one index drops the axis.
                             const auto index = g.constant(Tensor::from_vector<int64_t>({}, {1}));
                             return g.node("Relu", {g.node("Gather", {x, index}, {{"axis", int64_t{1}}})}); }, s});
        cases.push_back({"GatherNegativeRunLastAxis_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto index = g.constant(Tensor::from_vector<int64_t>({1, 2}, {-3, -2}));
                             return g.node("Gather", {x, index}, {{"axis", int64_t{-1}}}); }, s});
        cases.push_back({"GatherUnorderedFallsBack_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto index = g.constant(Tensor::from_vector<int64_t>({2}, {2, 0}));
                             return g.node("Gather", {x, index}, {{"axis", int64_t{1}}}); }, s});
        for (const std::string op : {"ReduceMean", "ReduceMax", "ReduceMin"}) {
            cases.push_back({op + "Spatial_" + tag, [op](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {x}, {{"axes", Ints{2, 3}}}); }, s});
            cases.push_back({op + "ChannelsDropped_" + tag, [op](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {x}, {{"axes", Ints{-3}}, {"keepdims", int64_t{0}}}); }, s});
            // x.mean([2, 3]) of a classifier head: global pooling, from a plain source or a
            // convolution's blocked one, with the spatial axes kept or dropped.
            cases.push_back({op + "SpatialDropped_" + tag, [op](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {x}, {{"axes", Ints{2, 3}}, {"keepdims", int64_t{0}}}); }, s});
            cases.push_back({op + "SpatialDroppedAfterConv_" + tag, [op, c](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {g.conv(x, c, 16, 3)}, {{"axes", Ints{-1, -2}}, {"keepdims", int64_t{0}}}); }, s});
            cases.push_back({op + "SpatialAfterConv_" + tag, [op, c](GraphBuilder& g, const std::string& x) {
                                 return g.node(op, {g.conv(x, c, 16, 3)}, {{"axes", Ints{2, 3}}}); }, s});
        }
        cases.push_back({"ReduceSumAxesInput_" + tag, [](GraphBuilder& g, const std::string& x) {
                             const auto axes = g.constant(Tensor::from_vector<int64_t>({2}, {1, -1}));
                             return g.node("ReduceSum", {x, axes}, {{"keepdims", int64_t{0}}}); }, s});
        cases.push_back({"ReduceMeanAll_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("ReduceMean", {x}); }, s});
        cases.push_back({"TransposeNhwc_" + tag, [](GraphBuilder& g, const std::string& x) {
                             return g.node("Transpose", {x}, {{"perm", Ints{0, 2, 3, 1}}}); }, s});
        cases.push_back({"FallbackBatchNorm_" + tag, [c](GraphBuilder& g, const std::string& x) {
                             const auto bn = g.node("BatchNormalization", {g.conv(x, c, c, 3), g.random_constant({c}, 0.5f, 1.5f),
                                                    g.random_constant({c}), g.random_constant({c}), g.random_constant({c}, 0.5f, 1.0f)});
                             return g.node("Relu", {bn}); }, s});
    }
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Data, Fp32Op, ::testing::ValuesIn(data_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pot::test

namespace pot::test {
namespace {

// Resize: bilinear with half-pixel centres runs on oneDNN's resampling; other forms stay on the
// reference kernel. Every case must match the reference engine.
struct ResizeCase {
    std::string name;
    Shape input;
    std::vector<float> scales;   // empty: sizes
    std::vector<int64_t> sizes;  // empty: scales
    Attrs attributes;
    bool on_onednn;
};

std::ostream& operator<<(std::ostream& os, const ResizeCase& c) { return os << c.name; }

class Resize : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(Resize, MatchesReferenceOnTheExpectedKernel) {
    const ResizeCase& c = GetParam();
    GraphBuilder g(13);
    const auto x = g.input("x", c.input);
    // Behind a convolution, so the input comes in oneDNN's own layout as in real models.
    const auto y = g.conv(x, c.input[1], c.input[1], 3);
    std::vector<std::string> inputs{y, ""};
    if (!c.scales.empty()) {
        inputs.push_back(g.constant(Tensor::from_vector<float>({4}, c.scales)));
    } else {
        inputs.push_back("");
        inputs.push_back(g.constant(Tensor::from_vector<int64_t>({4}, c.sizes)));
    }
    g.output(g.node("Resize", inputs, c.attributes));
    const auto input = g.random_tensor(c.input, -2.0f, 2.0f);
    const Outputs out = run_both(g.graph(), {input});
    expect_close(out, kFp32Tolerance);
    EXPECT_EQ(out.plan.find(": resampling") != std::string::npos, c.on_onednn) << out.plan;
}

const Attrs kLinear{{"mode", std::string("linear")}};
const Attrs kLinearPytorch{{"mode", std::string("linear")},
                           {"coordinate_transformation_mode", std::string("pytorch_half_pixel")}};

INSTANTIATE_TEST_SUITE_P(
    Fp32, Resize,
    ::testing::Values(
        ResizeCase{"LinearUpsample2x", {1, 8, 5, 7}, {1, 1, 2, 2}, {}, kLinear, true},
        ResizeCase{"LinearDownsampleHalf", {2, 3, 8, 6}, {1, 1, 0.5f, 0.5f}, {}, kLinear, true},
        // 5 x 1.5 = 7.5: the output has 7 rows, which ONNX still maps with 1.5, oneDNN with 7/5.
        ResizeCase{"LinearScaleNotOfTheLengthsFallsBack", {2, 3, 5, 7}, {1, 1, 1.5f, 0.75f}, {}, kLinear, false},
        ResizeCase{"LinearSizesDownAndUp", {1, 16, 9, 6}, {}, {1, 16, 4, 13}, kLinearPytorch, true},
        ResizeCase{"LinearSegmentationHead", {1, 21, 7, 7}, {}, {1, 21, 56, 56}, kLinearPytorch, true},
        ResizeCase{"PytorchHalfPixelToLengthOneFallsBack", {1, 4, 6, 6}, {}, {1, 4, 1, 3}, kLinearPytorch, false},
        ResizeCase{"NearestFallsBack", {1, 4, 5, 5}, {1, 1, 2, 2}, {}, {}, false},
        ResizeCase{"AlignCornersFallsBack", {1, 4, 5, 5}, {1, 1, 2, 2}, {},
                   {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string("align_corners")}},
                   false}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pot::test

namespace pot::test {
namespace {

// Exporters name Dropout's mask output even when nothing reads it; the op is still the identity
// (a view of its input), not a step on the reference kernel.
TEST(Slice, WithStepsIsAOneDnnReorder) {
    GraphBuilder g(19);
    const auto x = g.input("x", {1, 8, 8, 6});
    const auto i64 = [&](std::vector<int64_t> v) {
        return g.constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v)); };
    // [N, H, W, C] channels-last patch merging: rows 0::2, columns 1::2.
    g.output(g.node("Slice", {x, i64({0, 1}), i64({8, 8}), i64({1, 2}), i64({2, 2})}));
    const Outputs out = run_both(g.graph(), {g.random_tensor({1, 8, 8, 6}, -2.0f, 2.0f)});
    expect_close(out, 0.0f);
    EXPECT_EQ(out.plan.find("reference"), std::string::npos) << out.plan;
    EXPECT_EQ(out.plan.find("ref:"), std::string::npos) << out.plan;
}

TEST(Dropout, WithAnUnusedMaskIsAView) {
    GraphBuilder g(17);
    const auto x = g.input("x", {1, 4, 6, 6});
    const auto y = g.node("Dropout", {g.node("Relu", {x})});
    g.graph().nodes.back().outputs.push_back("dropout_mask");
    g.output(g.node("Sigmoid", {y}));
    const Outputs out = run_both(g.graph(), {g.random_tensor({1, 4, 6, 6}, -2.0f, 2.0f)});
    expect_close(out, kFp32Tolerance);
    EXPECT_EQ(out.plan.find("reference Dropout"), std::string::npos) << out.plan;
}

// fold_pads() moves explicit Pads into the padding of the Conv or pool reading them: the folded
// graph, on the cpu engine, gives what the graph as written gives on the reference kernels.
TEST(FoldPads, FoldedGraphComputesWhatThePadsDid) {
    const float inf = std::numeric_limits<float>::infinity();
    GraphBuilder g(23);
    const auto x = g.input("x", {1, 16, 9, 10});
    const auto pad = [&](const std::string& v, Ints pads, float fill) {
        return g.node("Pad", {v, g.constant(Tensor::from_vector<int64_t>({8}, pads)), g.constant(Tensor::scalar(fill))});
    };
    // Inception-v3's pool branch, a SAME-padded convolution as converters write it, a padded MaxPool.
    const auto avg = g.node("AveragePool", {pad(x, {0, 0, 1, 1, 0, 0, 1, 1}, 0.0f)}, {{"kernel_shape", Ints{3, 3}}});
    const auto conv = g.conv(pad(avg, {0, 0, 0, 1, 0, 0, 2, 1}, 0.0f), 16, 8, 3);
    g.output(g.node("MaxPool", {pad(conv, {0, 0, 1, 0, 0, 0, 1, 1}, -inf)},
                    {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
    Graph folded = g.graph();
    pot::core::optimize_graph(folded);
    for (const auto& n : folded.nodes) EXPECT_NE(n.op_type, "Pad") << n.name;
    const auto input = g.random_tensor({1, 16, 9, 10}, -2.0f, 2.0f);
    reference::ReferenceEngine ref;
    const auto expected = ref.compile(g.graph())->infer({input}, {}, nullptr);
    const Outputs out = run_both(folded, {input});
    expect_close(out, kFp32Tolerance);
    expect_no_reference_code(out.plan);
    ASSERT_EQ(expected.size(), 1u);
    EXPECT_LE(max_abs_diff(out.cpu.at(0), expected[0]), kFp32Tolerance);
}

}  // namespace
}  // namespace pot::test
