#include <gtest/gtest.h>

#include "model_builders.hpp"
#include "pot/core/graph_transforms.hpp"

namespace {

using pot::DType;
using pot::Graph;
using pot::Tensor;
using pot::test::node_named;
using pot::test::op_types;

/// x -> Relu 'relu' -> a -> <op> 'pass' -> b -> Neg 'neg' -> y
Graph chain_with(const std::string& op) {
    Graph g;
    g.inputs.push_back({"x", DType::F32, {2}});
    g.outputs.push_back({"y", DType::F32, {2}});
    g.nodes.push_back({"relu", "Relu", "", {"x"}, {"a"}, {}});
    g.nodes.push_back({"pass", op, "", {"a"}, {"b"}, {}});
    g.nodes.push_back({"neg", "Neg", "", {"b"}, {"y"}, {}});
    g.value_info["b"] = {"b", DType::F32, {2}};
    return g;
}

TEST(RemoveIdentities, IdentityIsRemovedAndItsReadersRewired) {
    Graph g = chain_with("Identity");
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Neg"}));
    EXPECT_EQ(node_named(g, "neg").inputs, std::vector<std::string>{"a"});
    EXPECT_FALSE(g.value_info.count("b"));
}

TEST(RemoveIdentities, InferenceDropoutIsRemoved) {
    Graph g = chain_with("Dropout");
    g.nodes[1].outputs.push_back("");  // unused mask slot
    g.initializers["ratio"] = Tensor::scalar(0.3f);
    g.nodes[1].inputs.push_back("ratio");
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Neg"}));
    EXPECT_FALSE(g.is_constant("ratio"));
}

TEST(RemoveIdentities, DropoutWhoseMaskIsReadStays) {
    Graph g = chain_with("Dropout");
    g.nodes[1].outputs.push_back("mask");
    g.outputs.push_back({"mask", DType::F32, {2}});
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Dropout", "Neg"}));
}

TEST(RemoveIdentities, DropoutInTrainingModeStays) {
    Graph g = chain_with("Dropout");
    g.initializers["train"] = Tensor::from_vector<uint8_t>({}, {1});
    g.nodes[1].inputs = {"a", "", "train"};
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Dropout", "Neg"}));
}

TEST(RemoveIdentities, IdentityWritingAGraphOutputHandsItsNameToTheProducer) {
    Graph g = chain_with("Identity");
    g.nodes.pop_back();
    g.outputs[0].name = "b";
    g.nodes.push_back({"other", "Neg", "", {"a"}, {"z"}, {}});
    g.outputs.push_back({"z", DType::F32, {2}});
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Neg"}));
    EXPECT_EQ(node_named(g, "relu").outputs, std::vector<std::string>{"b"});
    EXPECT_EQ(node_named(g, "other").inputs, std::vector<std::string>{"b"});
    EXPECT_EQ(g.outputs[0].name, "b");
}

TEST(RemoveIdentities, IdentityFromAGraphInputToAGraphOutputStays) {
    Graph g;
    g.inputs.push_back({"x", DType::F32, {2}});
    g.outputs.push_back({"y", DType::F32, {2}});
    g.nodes.push_back({"id", "Identity", "", {"x"}, {"y"}, {}});
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), std::vector<std::string>{"Identity"});
    EXPECT_EQ(g.outputs[0].name, "y");
}

TEST(RemoveIdentities, ChainOfIdentitiesCollapses) {
    Graph g = chain_with("Identity");
    g.nodes.pop_back();
    g.nodes.push_back({"pass2", "Identity", "", {"b"}, {"y"}, {}});
    pot::core::remove_identities(g);
    EXPECT_EQ(op_types(g), std::vector<std::string>{"Relu"});
    EXPECT_EQ(g.nodes[0].outputs, std::vector<std::string>{"y"});
    EXPECT_EQ(g.outputs[0].name, "y");
}

// PyTorch's AveragePool export: a Pad whose pads are all zero, as an input or (before opset 11)
// an attribute, adds nothing; any nonzero pad, or pads computed at run time, keep it.
TEST(RemoveIdentities, PadThatPadsNothingIsRemoved) {
    Graph zero = chain_with("Pad");
    zero.initializers["pads"] = Tensor::from_vector<int64_t>({2}, {0, 0});
    zero.nodes[1].inputs.push_back("pads");
    pot::core::remove_identities(zero);
    EXPECT_EQ(op_types(zero), (std::vector<std::string>{"Relu", "Neg"}));
    EXPECT_EQ(node_named(zero, "neg").inputs, std::vector<std::string>{"a"});
    EXPECT_FALSE(zero.is_constant("pads"));

    Graph old = chain_with("Pad");
    old.nodes[1].attributes["pads"] = std::vector<int64_t>{0, 0};
    pot::core::remove_identities(old);
    EXPECT_EQ(op_types(old), (std::vector<std::string>{"Relu", "Neg"}));

    Graph one = chain_with("Pad");
    one.initializers["pads"] = Tensor::from_vector<int64_t>({2}, {0, 1});
    one.nodes[1].inputs.push_back("pads");
    pot::core::remove_identities(one);
    EXPECT_EQ(op_types(one), (std::vector<std::string>{"Relu", "Pad", "Neg"}));

    Graph computed = chain_with("Pad");
    computed.nodes[1].inputs.push_back("runtime_pads");
    pot::core::remove_identities(computed);
    EXPECT_EQ(op_types(computed), (std::vector<std::string>{"Relu", "Pad", "Neg"}));
}

TEST(RemoveIdentities, ConcatOfOneInputIsRemoved) {
    Graph one = chain_with("Concat");
    one.nodes[1].attributes["axis"] = int64_t{0};
    pot::core::remove_identities(one);
    EXPECT_EQ(op_types(one), (std::vector<std::string>{"Relu", "Neg"}));
    EXPECT_EQ(node_named(one, "neg").inputs, std::vector<std::string>{"a"});

    Graph two = chain_with("Concat");
    two.nodes[1].inputs.push_back("x");
    pot::core::remove_identities(two);
    EXPECT_EQ(op_types(two), (std::vector<std::string>{"Relu", "Concat", "Neg"}));
}

// Identity between Conv and BatchNormalization, and a Shape chain feeding a Reshape: only a fixed
// point of all transforms leaves Conv -> Reshape.
TEST(OptimizeGraph, RunsTransformsToAFixedPoint) {
    Graph g = pot::test::conv_relu_graph({.in_channels = 2, .out_channels = 3, .size = 4, .kernel = 3, .with_bias = true, .seed = 2});
    g.nodes.pop_back();
    g.outputs[0] = {"y", DType::F32, {1, 48}};
    g.nodes.push_back({"id", "Identity", "", {"conv_out"}, {"conv_id"}, {}});
    for (const char* name : {"bn.gamma", "bn.beta", "bn.mean", "bn.var"})
        g.initializers[name] = Tensor::from_vector<float>({3}, {1.0f, 2.0f, 0.5f});
    g.nodes.push_back({"bn", "BatchNormalization", "", {"conv_id", "bn.gamma", "bn.beta", "bn.mean", "bn.var"}, {"bn_out"}, {}});
    g.value_info["bn_out"] = {"bn_out", DType::F32, {1, 3, 4, 4}};
    g.initializers["zero"] = Tensor::from_vector<int64_t>({1}, {0});
    g.initializers["minus_one"] = Tensor::from_vector<int64_t>({1}, {-1});
    g.nodes.push_back({"shape", "Shape", "", {"bn_out"}, {"s"}, {}});
    g.nodes.push_back({"gather", "Gather", "", {"s", "zero"}, {"n"}, {}});
    g.nodes.push_back({"concat", "Concat", "", {"n", "minus_one"}, {"target"}, {{"axis", int64_t{0}}}});
    g.nodes.push_back({"flatten", "Reshape", "", {"bn_out", "target"}, {"y"}, {}});
    pot::core::optimize_graph(g);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Conv", "Reshape"}));
    EXPECT_EQ(g.constant("target").to_ints(), (std::vector<int64_t>{1, -1}));
    EXPECT_EQ(g.nodes[0].outputs, std::vector<std::string>{"bn_out"});
    EXPECT_EQ(g.outputs[0].name, "y");
}

}  // namespace
