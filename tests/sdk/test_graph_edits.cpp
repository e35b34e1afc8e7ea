#include <gtest/gtest.h>

#include "pot/fake_quantize_node.hpp"
#include "pot/graph.hpp"

namespace {

using pot::Graph;
using pot::Node;
using pot::Tensor;

Node node(const std::string& name, const std::string& op, std::vector<std::string> in,
          std::vector<std::string> out) {
    return Node{name, op, "", std::move(in), std::move(out), {}};
}

// x -> conv(w, b) -> relu -> y, with the weight w also read by a second conv writing z.
Graph two_convs() {
    Graph g;
    g.name = "two_convs";
    g.inputs.push_back({"x", pot::DType::F32, {1, 2, 4, 4}});
    g.initializers["w"] = Tensor::from_vector<float>({2, 2, 1, 1}, {1, 2, 3, 4});
    g.initializers["b"] = Tensor::from_vector<float>({2}, {0.5f, -0.5f});
    g.nodes.push_back(node("conv", "Conv", {"x", "w", "b"}, {"c"}));
    g.nodes.push_back(node("relu", "Relu", {"c"}, {"y"}));
    g.nodes.push_back(node("conv2", "Conv", {"x", "w"}, {"z"}));
    g.value_info["c"] = {"c", pot::DType::F32, {1, 2, 4, 4}};
    g.outputs.push_back({"y", pot::DType::F32, {1, 2, 4, 4}});
    g.outputs.push_back({"z", pot::DType::F32, {1, 2, 4, 4}});
    return g;
}

pot::FakeQuantizeParams unit_range() {
    return pot::fake_quantize_from_range({-1.0f}, {1.0f}, pot::QuantSpec{}, -1);
}

std::vector<std::string> node_names(const Graph& g) {
    std::vector<std::string> names;
    for (const auto& n : g.nodes) names.push_back(n.name);
    return names;
}

TEST(NodeIndex, FindsTheNodeByName) {
    EXPECT_EQ(pot::node_index(two_convs(), "relu"), 1u);
}

TEST(NodeIndex, MissingNodeIsAnErrorNamingIt) {
    try {
        pot::node_index(two_convs(), "gone");
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'gone'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'two_convs'"), std::string::npos) << e.what();
    }
}

TEST(OwnedConstant, UnsharedConstantIsEditedInPlace) {
    Graph g = two_convs();
    Tensor& bias = pot::owned_constant(g, 0, 2, "/edited");
    bias.data<float>()[0] = 7.0f;
    EXPECT_EQ(g.nodes[0].inputs[2], "b");
    EXPECT_EQ(g.constant("b").to_floats()[0], 7.0f);
    EXPECT_EQ(g.initializers.size(), 2u);
}

TEST(OwnedConstant, SharedConstantIsCopiedForThisNodeOnly) {
    Graph g = two_convs();
    Tensor& weight = pot::owned_constant(g, 0, 1, "/edited");
    weight.data<float>()[0] = 9.0f;
    EXPECT_EQ(g.nodes[0].inputs[1], "w/edited");
    EXPECT_EQ(g.nodes[2].inputs[1], "w");
    EXPECT_EQ(g.constant("w").to_floats()[0], 1.0f);
    EXPECT_EQ(g.constant("w/edited").to_floats()[0], 9.0f);
}

TEST(OwnedConstant, ConstantThatIsAGraphOutputIsCopied) {
    Graph g = two_convs();
    g.outputs.push_back({"b", pot::DType::F32, {2}});
    pot::owned_constant(g, 0, 2, "/edited");
    EXPECT_EQ(g.nodes[0].inputs[2], "b/edited");
}

TEST(OwnedConstant, InputThatIsNotAConstantIsAnError) {
    Graph g = two_convs();
    EXPECT_THROW(pot::owned_constant(g, 0, 0, "/edited"), pot::Error);
}

TEST(HasFakeQuantize, TellsAQuantizedGraphFromAFloatOne) {
    Graph g = two_convs();
    EXPECT_FALSE(pot::has_fake_quantize(g));
    pot::insert_fake_quantize(g, {"c", std::nullopt, 0}, unit_range(), 4);
    EXPECT_TRUE(pot::has_fake_quantize(g));
}

TEST(QuantizersOf, GivesTheQuantizerOfEachInput) {
    Graph g = two_convs();
    const auto act = pot::insert_fake_quantize(g, {"x", std::string("conv"), 0}, unit_range(), 4);
    const auto weight = pot::insert_fake_quantize(g, {"w", std::string("conv"), 1}, unit_range(), 4);
    const auto quantizers = pot::quantizers_of(g, g.nodes[pot::node_index(g, "conv")]);
    ASSERT_EQ(quantizers.size(), 3u);
    ASSERT_TRUE(quantizers[0] && quantizers[1]);
    EXPECT_EQ(g.nodes[*quantizers[0]].name, act);
    EXPECT_EQ(g.nodes[*quantizers[1]].name, weight);
    EXPECT_FALSE(quantizers[2].has_value());  // the bias
    const auto unquantized = pot::quantizers_of(g, g.nodes[pot::node_index(g, "conv2")]);
    EXPECT_EQ(unquantized, (std::vector<std::optional<size_t>>{std::nullopt, std::nullopt}));
}

TEST(RemoveFakeQuantize, UndoesInsertFakeQuantize) {
    const Graph original = two_convs();
    Graph g = original;
    pot::insert_fake_quantize(g, {"x", std::nullopt, 0}, unit_range(), 4);   // a graph input
    pot::insert_fake_quantize(g, {"c", std::nullopt, 0}, unit_range(), 4);   // a node output
    pot::insert_fake_quantize(g, {"y", std::nullopt, 0}, unit_range(), 4);   // a graph output
    pot::insert_fake_quantize(g, {"w", std::string("conv2"), 1}, unit_range(), 4);  // shared weight
    ASSERT_EQ(g.nodes.size(), 7u);
    EXPECT_EQ(pot::remove_fake_quantize(g), 4u);
    EXPECT_EQ(node_names(g), node_names(original));
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        EXPECT_EQ(g.nodes[i].inputs, original.nodes[i].inputs) << g.nodes[i].name;
        EXPECT_EQ(g.nodes[i].outputs, original.nodes[i].outputs) << g.nodes[i].name;
    }
    std::vector<std::string> constants;
    for (const auto& [name, tensor] : g.initializers) constants.push_back(name);
    EXPECT_EQ(constants, (std::vector<std::string>{"b", "w"}));
    std::vector<std::string> infos;
    for (const auto& [name, info] : g.value_info) infos.push_back(name);
    EXPECT_EQ(infos, std::vector<std::string>{"c"});
}

TEST(RemoveFakeQuantize, ChainedQuantizersOnAnInputReachTheirReaders) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {4}});
    g.outputs.push_back({"y", pot::DType::F32, {4}});
    g.nodes.push_back(node("relu", "Relu", {"x"}, {"y"}));
    pot::insert_fake_quantize(g, {"x", std::nullopt, 0}, unit_range(), 1);
    pot::insert_fake_quantize(g, {g.nodes.back().inputs[0], std::nullopt, 0}, unit_range(), 1);
    ASSERT_EQ(g.nodes.size(), 3u);
    EXPECT_EQ(pot::remove_fake_quantize(g), 2u);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"x"});
    EXPECT_TRUE(g.initializers.empty());
}

TEST(RemoveFakeQuantize, QuantizerOfAnInputWritingAGraphOutputBecomesAnIdentity) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {4}});
    g.outputs.push_back({"q", pot::DType::F32, {4}});
    g.initializers["lo"] = Tensor::scalar(-1.0f);
    g.initializers["hi"] = Tensor::scalar(1.0f);
    Node fq{"fq", pot::kFakeQuantizeOp, pot::kFakeQuantizeDomain, {"x", "lo", "hi", "lo", "hi"}, {"q"}, {}};
    fq.attributes["levels"] = int64_t{256};
    g.nodes.push_back(fq);
    EXPECT_EQ(pot::remove_fake_quantize(g), 1u);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].op_type, "Identity");
    EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"x"});
    EXPECT_EQ(g.nodes[0].outputs, std::vector<std::string>{"q"});
    EXPECT_TRUE(g.initializers.empty());
}

TEST(RemoveFakeQuantize, LeavesAFloatGraphAsItIs) {
    Graph g = two_convs();
    EXPECT_EQ(pot::remove_fake_quantize(g), 0u);
    EXPECT_EQ(node_names(g), node_names(two_convs()));
    EXPECT_EQ(g.initializers.size(), 2u);
}

}  // namespace
