#include <gtest/gtest.h>

#include "pot/fake_quantize_node.hpp"
#include "pot/graph.hpp"

namespace {

using pot::Graph;
using pot::Node;
using pot::Tensor;

Node make_node(const std::string& name, const std::string& op, std::vector<std::string> in,
          std::vector<std::string> out) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    return n;
}

TEST(Tensor, ReshapeInfersOneDimension) {
    const Tensor t = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    EXPECT_EQ(t.reshaped({3, -1}).shape(), (pot::Shape{3, 2}));
    EXPECT_THROW(t.reshaped({4, -1}), pot::Error);
}

TEST(Tensor, ReadingWithTheWrongTypeIsAnError) {
    const Tensor t(pot::DType::I64, {2});
    EXPECT_THROW(t.data<float>(), pot::Error);
    EXPECT_EQ(t.cast(pot::DType::F32).to_floats(), (std::vector<float>{0, 0}));
}

TEST(Graph, TopologicalSortOrdersProducersFirst) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {1}});
    g.nodes.push_back(make_node("b", "Relu", {"a_out"}, {"b_out"}));
    g.nodes.push_back(make_node("a", "Relu", {"x"}, {"a_out"}));
    g.topological_sort();
    EXPECT_EQ(g.nodes[0].name, "a");
    EXPECT_EQ(g.nodes[1].name, "b");
}

TEST(Graph, NameAllocatorAgreesWithUniqueNameAndNeverRepeatsAName) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {1}});
    g.initializers["w"] = Tensor::scalar(1.0f);
    g.nodes.push_back(make_node("relu", "Relu", {"x"}, {"y"}));
    pot::NameAllocator names(g);
    for (const std::string base : {"x", "w", "relu", "y", "fresh"})
        EXPECT_EQ(names.unique_name(base), g.unique_name(base)) << base;
    EXPECT_EQ(names.unique_name("fresh"), "fresh_1");  // handed out above, though not in the graph
    names.reserve("z");
    EXPECT_EQ(names.unique_name("z"), "z_1");
}

TEST(Graph, TopologicalSortLeavesASortedGraphAsItIs) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {1}});
    g.nodes.push_back(make_node("a", "Relu", {"x"}, {"a_out"}));
    g.nodes.push_back(make_node("c", "Relu", {"x"}, {"c_out"}));
    g.nodes.push_back(make_node("b", "Add", {"a_out", "c_out"}, {"b_out"}));
    g.topological_sort();
    ASSERT_EQ(g.nodes.size(), 3u);
    EXPECT_EQ(g.nodes[0].name, "a");
    EXPECT_EQ(g.nodes[1].name, "c");
    EXPECT_EQ(g.nodes[2].name, "b");
    EXPECT_EQ(g.nodes[2].inputs, (std::vector<std::string>{"a_out", "c_out"}));
}

TEST(Graph, TopologicalSortReportsAMissingInput) {
    Graph g;
    g.nodes.push_back(make_node("a", "Relu", {"nowhere"}, {"y"}));
    EXPECT_THROW(g.topological_sort(), pot::Error);
}

TEST(Graph, InsertedFakeQuantizeTakesOverTheValueName) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {1, 4}});
    g.nodes.push_back(make_node("relu", "Relu", {"x"}, {"y"}));
    g.outputs.push_back({"y", pot::DType::F32, {1, 4}});
    const auto fq = pot::fake_quantize_from_range({0.0f}, {1.0f}, pot::QuantSpec{8, true, false, false}, -1);
    const auto name = pot::insert_fake_quantize(g, {"y", std::nullopt, 0}, fq, 2);
    ASSERT_EQ(g.nodes.size(), 2u);
    EXPECT_EQ(g.nodes[1].name, name);
    EXPECT_EQ(g.nodes[1].outputs[0], "y");
    EXPECT_EQ(g.nodes[0].outputs[0], g.nodes[1].inputs[0]);
    const auto back = pot::read_fake_quantize(g, g.nodes[1]);
    EXPECT_EQ(back.input_high, fq.input_high);
    EXPECT_EQ(back.levels, 256);
}

TEST(Graph, PerChannelWeightQuantizerOnlyChangesItsConsumer) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, {1, 2}});
    g.initializers["w"] = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    g.nodes.push_back(make_node("mm1", "MatMul", {"x", "w"}, {"y1"}));
    g.nodes.push_back(make_node("mm2", "MatMul", {"x", "w"}, {"y2"}));
    const auto fq = pot::fake_quantize_from_range({-1, -2}, {1, 2}, pot::QuantSpec{8, true, true, true}, 1);
    pot::insert_fake_quantize(g, {"w", std::string("mm1"), 1}, fq, 2);
    const auto mm1 = g.find_node("mm1"), mm2 = g.find_node("mm2");
    EXPECT_NE(g.nodes[*mm1].inputs[1], "w");
    EXPECT_EQ(g.nodes[*mm2].inputs[1], "w");
    const auto fq_node = g.producer(g.nodes[*mm1].inputs[1]);
    ASSERT_TRUE(fq_node.has_value());
    const auto back = pot::read_fake_quantize(g, g.nodes[*fq_node]);
    EXPECT_EQ(back.axis, 1);
    EXPECT_EQ(g.constant(g.nodes[*fq_node].inputs[1]).shape(), (pot::Shape{1, 2}));
}

}  // namespace
