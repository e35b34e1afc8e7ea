#include <gtest/gtest.h>

#include <limits>

#include "model_builders.hpp"
#include "pot/core/graph_transforms.hpp"

namespace {

using pot::DType;
using pot::Graph;
using pot::Node;
using pot::Tensor;
using pot::test::op_types;

Tensor ints(const std::vector<int64_t>& v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }
Tensor scalar_int(int64_t v) { return Tensor::from_vector<int64_t>({}, {v}); }

// The flatten pattern exporters write: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).
TEST(FoldConstants, ShapeArithmeticOfAStaticInputBecomesAConstantReshapeTarget) {
    Graph g;
    g.opset = 13;
    g.inputs.push_back({"x", DType::F32, {2, 3, 4}});
    g.outputs.push_back({"y", DType::F32, {2, 12}});
    g.initializers["zero"] = scalar_int(0);
    g.initializers["axes0"] = ints({0});
    g.initializers["minus_one"] = ints({-1});
    g.nodes.push_back({"shape", "Shape", "", {"x"}, {"s"}, {}});
    g.nodes.push_back({"gather", "Gather", "", {"s", "zero"}, {"n"}, {{"axis", int64_t{0}}}});
    g.nodes.push_back({"unsqueeze", "Unsqueeze", "", {"n", "axes0"}, {"n1"}, {}});
    g.nodes.push_back({"concat", "Concat", "", {"n1", "minus_one"}, {"target"}, {{"axis", int64_t{0}}}});
    g.nodes.push_back({"reshape", "Reshape", "", {"x", "target"}, {"y"}, {}});
    pot::core::fold_constants(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Reshape"});
    ASSERT_TRUE(g.is_constant("target"));
    EXPECT_EQ(g.constant("target").dtype(), DType::I64);
    EXPECT_EQ(g.constant("target").to_ints(), (std::vector<int64_t>{2, -1}));
    for (const char* gone : {"zero", "axes0", "minus_one", "s", "n", "n1"}) EXPECT_FALSE(g.is_constant(gone)) << gone;
}

TEST(FoldConstants, DynamicShapeIsLeftAlone) {
    Graph g;
    g.inputs.push_back({"x", DType::F32, {-1, 3}});
    g.outputs.push_back({"s", DType::I64, {2}});
    g.nodes.push_back({"shape", "Shape", "", {"x"}, {"s0"}, {}});
    g.nodes.push_back({"id", "Neg", "", {"s0"}, {"s"}, {}});
    pot::core::fold_constants(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Shape", "Neg"}));
}

TEST(FoldConstants, NodeWritingAGraphOutputIsKept) {
    Graph g;
    g.initializers["a"] = ints({1, 2});
    g.outputs.push_back({"y", DType::I64, {2}});
    g.nodes.push_back({"add", "Add", "", {"a", "a"}, {"y"}, {}});
    pot::core::fold_constants(g);
    EXPECT_EQ(op_types(g), std::vector<std::string>{"Add"});
}

/// Evaluates one node on constant inputs and returns the folded value `out`.
Tensor fold_one(Node node, std::map<std::string, Tensor> constants, int64_t opset = 13) {
    Graph g;
    g.opset = opset;
    g.initializers = std::move(constants);
    g.inputs.push_back({"x", DType::F32, {1}});
    g.outputs.push_back({"y", DType::F32, {1}});
    node.outputs = {"out"};
    g.nodes.push_back(node);
    g.nodes.push_back({"use", "Add", "", {"x", "out"}, {"y"}, {}});
    pot::core::fold_constants(g);
    EXPECT_EQ(op_types(g), std::vector<std::string>{"Add"}) << node.describe() << " was not folded";
    if (!g.is_constant("out")) return Tensor();
    return g.constant("out");
}

TEST(FoldConstants, ArithmeticBroadcastsOnInt64AndFloat) {
    const Tensor sum = fold_one({"add", "Add", "", {"a", "b"}, {}, {}},
                                {{"a", Tensor::from_vector<int64_t>({2, 1}, {10, 20})}, {"b", ints({1, 2, 3})}});
    EXPECT_EQ(sum.shape(), (pot::Shape{2, 3}));
    EXPECT_EQ(sum.to_ints(), (std::vector<int64_t>{11, 12, 13, 21, 22, 23}));
    const Tensor quotient = fold_one({"div", "Div", "", {"a", "b"}, {}, {}},
                                     {{"a", ints({7, -7, 9})}, {"b", scalar_int(2)}});
    EXPECT_EQ(quotient.to_ints(), (std::vector<int64_t>{3, -3, 4}));
    const Tensor product = fold_one({"mul", "Mul", "", {"a", "b"}, {}, {}},
                                    {{"a", Tensor::from_vector<float>({2}, {1.5f, -2.0f})}, {"b", Tensor::scalar(4.0f)}});
    EXPECT_EQ(product.to_floats(), (std::vector<float>{6.0f, -8.0f}));
    const Tensor difference = fold_one({"sub", "Sub", "", {"a", "b"}, {}, {}},
                                       {{"a", ints({5})}, {"b", ints({7})}});
    EXPECT_EQ(difference.to_ints(), (std::vector<int64_t>{-2}));
}

TEST(FoldConstants, IntegerDivisionByZeroIsLeftToTheRuntime) {
    Graph g;
    g.initializers["a"] = ints({1});
    g.initializers["b"] = ints({0});
    g.inputs.push_back({"x", DType::I64, {1}});
    g.outputs.push_back({"y", DType::I64, {1}});
    g.nodes.push_back({"div", "Div", "", {"a", "b"}, {"q"}, {}});
    g.nodes.push_back({"use", "Add", "", {"x", "q"}, {"y"}, {}});
    pot::core::fold_constants(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Div", "Add"}));
}

// Kept nodes keep a graph input reading their result, so the test sees whether they were folded.
std::vector<std::string> fold_ops(Node node, std::map<std::string, Tensor> constants) {
    Graph g;
    g.initializers = std::move(constants);
    g.inputs.push_back({"x", DType::I64, {1}});
    g.outputs.push_back({"y", DType::I64, {1}});
    node.outputs = {"out"};
    g.nodes.push_back(node);
    g.nodes.push_back({"use", "Add", "", {"x", "out"}, {"y"}, {}});
    pot::core::fold_constants(g);
    return op_types(g);
}

TEST(FoldConstants, IntegerOverflowWrapsAroundAsInTheRuntimes) {
    const int64_t max = std::numeric_limits<int64_t>::max();
    const Tensor sum = fold_one({"add", "Add", "", {"a", "b"}, {}, {}}, {{"a", ints({max})}, {"b", ints({1})}});
    EXPECT_EQ(sum.to_ints(), (std::vector<int64_t>{std::numeric_limits<int64_t>::min()}));
}

TEST(FoldConstants, IntegerDivisionOverflowIsLeftToTheRuntime) {
    const int64_t min = std::numeric_limits<int64_t>::min();
    EXPECT_EQ(fold_ops({"div", "Div", "", {"a", "b"}, {}, {}}, {{"a", ints({min})}, {"b", ints({-1})}}),
              (std::vector<std::string>{"Div", "Add"}));
}

TEST(FoldConstants, ResultsOverTheSizeLimitAreLeftAlone) {
    // 2^25 elements each, over the 2^24 limit, from inputs of a few elements.
    EXPECT_EQ(fold_ops({"fill", "ConstantOfShape", "", {"shape"}, {}, {}}, {{"shape", ints({8192, 4096})}}),
              (std::vector<std::string>{"ConstantOfShape", "Add"}));
    EXPECT_EQ(fold_ops({"outer", "Mul", "", {"a", "b"}, {}, {}},
                       {{"a", Tensor(DType::I64, {8192, 1})}, {"b", Tensor(DType::I64, {1, 4096})}}),
              (std::vector<std::string>{"Mul", "Add"}));
    EXPECT_EQ(fold_ops({"gather", "Gather", "", {"d", "i"}, {}, {}},
                       {{"d", Tensor(DType::I64, {2, 4096})}, {"i", Tensor(DType::I64, {8192})}}),
              (std::vector<std::string>{"Gather", "Add"}));
}

TEST(FoldConstants, SliceWithNegativeStepAndClampedEnds) {
    const Tensor data = Tensor::from_vector<int64_t>({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7});
    const Tensor out = fold_one({"slice", "Slice", "", {"d", "starts", "ends", "axes", "steps"}, {}, {}},
                                {{"d", data},
                                 {"starts", ints({-1, 0})},
                                 {"ends", ints({-100, 100})},
                                 {"axes", ints({1, 0})},
                                 {"steps", ints({-2, 1})}});
    EXPECT_EQ(out.shape(), (pot::Shape{2, 2}));
    EXPECT_EQ(out.to_ints(), (std::vector<int64_t>{3, 1, 7, 5}));
}

TEST(FoldConstants, SliceOfOpset9TakesAttributes) {
    const Tensor out = fold_one({"slice", "Slice", "", {"d"}, {}, {{"starts", std::vector<int64_t>{1}}, {"ends", std::vector<int64_t>{3}}}},
                                {{"d", ints({10, 11, 12, 13})}}, 9);
    EXPECT_EQ(out.to_ints(), (std::vector<int64_t>{11, 12}));
}

TEST(FoldConstants, TransposeOfAConstantPermutesAxes) {
    const Tensor data = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor out = fold_one({"t", "Transpose", "", {"d"}, {}, {{"perm", std::vector<int64_t>{1, 0}}}}, {{"d", data}});
    EXPECT_EQ(out.shape(), (pot::Shape{3, 2}));
    EXPECT_EQ(out.to_floats(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(FoldConstants, GatherWithNegativeIndicesAlongAxisOne) {
    const Tensor data = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor out = fold_one({"g", "Gather", "", {"d", "i"}, {}, {{"axis", int64_t{1}}}},
                                {{"d", data}, {"i", ints({-1, 0})}});
    EXPECT_EQ(out.shape(), (pot::Shape{2, 2}));
    EXPECT_EQ(out.to_floats(), (std::vector<float>{3, 1, 6, 4}));
}

TEST(FoldConstants, CastSqueezeReshapeAndConstantOfShape) {
    const Tensor cast = fold_one({"c", "Cast", "", {"d"}, {}, {{"to", int64_t{1}}}}, {{"d", ints({3, -4})}});
    EXPECT_EQ(cast.dtype(), DType::F32);
    EXPECT_EQ(cast.to_floats(), (std::vector<float>{3.0f, -4.0f}));
    const Tensor squeezed = fold_one({"s", "Squeeze", "", {"d", "axes"}, {}, {}},
                                     {{"d", Tensor::from_vector<int64_t>({1, 2, 1}, {5, 6})}, {"axes", ints({0, -1})}});
    EXPECT_EQ(squeezed.shape(), (pot::Shape{2}));
    const Tensor reshaped = fold_one({"r", "Reshape", "", {"d", "shape"}, {}, {}},
                                     {{"d", Tensor::from_vector<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6})}, {"shape", ints({0, -1, 1})}});
    EXPECT_EQ(reshaped.shape(), (pot::Shape{2, 3, 1}));
    const Tensor filled = fold_one({"f", "ConstantOfShape", "", {"shape"}, {}, {{"value", Tensor::from_vector<int64_t>({1}, {7})}}},
                                   {{"shape", ints({2, 2})}});
    EXPECT_EQ(filled.dtype(), DType::I64);
    EXPECT_EQ(filled.to_ints(), (std::vector<int64_t>{7, 7, 7, 7}));
}

TEST(FoldConstants, CastOfOutOfRangeFloatsIsLeftAlone) {
    Graph g;
    g.initializers["d"] = Tensor::from_vector<float>({1}, {300.0f});
    g.inputs.push_back({"x", DType::U8, {1}});
    g.outputs.push_back({"y", DType::U8, {1}});
    g.nodes.push_back({"c", "Cast", "", {"d"}, {"out"}, {{"to", int64_t{2}}}});
    g.nodes.push_back({"use", "Add", "", {"x", "out"}, {"y"}, {}});
    pot::core::fold_constants(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Cast", "Add"}));
}

TEST(FoldConstants, UnknownOpsAndNonConstantInputsAreLeftAlone) {
    Graph g;
    g.initializers["a"] = Tensor::from_vector<float>({2}, {1, 2});
    g.inputs.push_back({"x", DType::F32, {2}});
    g.outputs.push_back({"y", DType::F32, {2}});
    g.nodes.push_back({"exp", "Exp", "", {"a"}, {"e"}, {}});
    g.nodes.push_back({"add", "Add", "", {"x", "e"}, {"y"}, {}});
    pot::core::fold_constants(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Exp", "Add"}));
}

}  // namespace
