#include <gtest/gtest.h>

#include <limits>

#include "model_builders.hpp"
#include "pot/core/graph_transforms.hpp"

namespace {

using pot::Attribute;
using pot::DType;
using pot::Graph;
using pot::Tensor;
using Ints = std::vector<int64_t>;
using pot::test::node_named;
using pot::test::op_types;

/// x[1,4,8,8] -> Pad 'pad' (constant `pads`, fill `value`) -> p -> <op> 'reader' -> y
Graph pad_then(const std::string& op, const Ints& pads, float value,
               std::map<std::string, Attribute> attributes) {
    Graph g;
    g.inputs.push_back({"x", DType::F32, {1, 4, 8, 8}});
    g.outputs.push_back({"y", DType::F32, {}});
    g.initializers["pad.pads"] = Tensor::from_vector<int64_t>({static_cast<int64_t>(pads.size())}, pads);
    g.initializers["pad.value"] = Tensor::scalar(value);
    g.nodes.push_back({"pad", "Pad", "", {"x", "pad.pads", "pad.value"}, {"p"}, {}});
    std::vector<std::string> inputs{"p"};
    if (op == "Conv") {
        g.initializers["w"] = pot::test::uniform_tensor({4, 4, 3, 3}, 3);
        inputs.push_back("w");
    }
    g.nodes.push_back({"reader", op, "", inputs, {"y"}, std::move(attributes)});
    g.value_info["p"] = {"p", DType::F32, {1, 4, 10, 11}};
    return g;
}

const Ints kSpatialPads{0, 0, 1, 1, 0, 0, 1, 2};  // H: 1 before, 1 after; W: 1 before, 2 after

TEST(FoldPads, ZeroPadMovesIntoConvPadding) {
    Graph g = pad_then("Conv", kSpatialPads, 0.0f, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 0, 1, 0}}});
    pot::core::fold_pads(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Conv"});
    const auto& conv = node_named(g, "reader");
    EXPECT_EQ(conv.inputs, (std::vector<std::string>{"x", "w"}));
    EXPECT_EQ(conv.attr_ints("pads", {}), (Ints{2, 1, 2, 2}));
    EXPECT_FALSE(g.is_constant("pad.pads"));
    EXPECT_FALSE(g.value_info.count("p"));
}

TEST(FoldPads, ValidConvTakesThePadAsItsOnlyPadding) {
    Graph g = pad_then("Conv", kSpatialPads, 0.0f, {{"auto_pad", std::string("VALID")}, {"pads", Ints{3, 3, 3, 3}}});
    pot::core::fold_pads(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Conv"});
    const auto& conv = node_named(g, "reader");
    EXPECT_EQ(conv.attr_ints("pads", {}), (Ints{1, 1, 1, 2}));
    EXPECT_FALSE(conv.has_attr("auto_pad"));
}

// Inception-v3 as exported: Pad(1) then AveragePool(3x3, pads 0, count_include_pad 0).
TEST(FoldPads, AveragePoolWithoutPaddingCountsThePaddedZeros) {
    Graph g = pad_then("AveragePool", kSpatialPads, 0.0f, {{"kernel_shape", Ints{3, 3}}});
    pot::core::fold_pads(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"AveragePool"});
    const auto& pool = node_named(g, "reader");
    EXPECT_EQ(pool.inputs, std::vector<std::string>{"x"});
    EXPECT_EQ(pool.attr_ints("pads", {}), (Ints{1, 1, 1, 2}));
    EXPECT_EQ(pool.attr_int("count_include_pad", 0), 1);
}

TEST(FoldPads, AveragePoolCountingItsOwnPaddingAddsThePad) {
    Graph g = pad_then("AveragePool", kSpatialPads, 0.0f,
                       {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"count_include_pad", int64_t{1}}});
    pot::core::fold_pads(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"AveragePool"});
    EXPECT_EQ(node_named(g, "reader").attr_ints("pads", {}), (Ints{2, 2, 2, 3}));
}

TEST(FoldPads, MaxPoolTakesAPadOfMinusInfinity) {
    Graph g = pad_then("MaxPool", kSpatialPads, -std::numeric_limits<float>::infinity(), {{"kernel_shape", Ints{3, 3}}});
    pot::core::fold_pads(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"MaxPool"});
    EXPECT_EQ(node_named(g, "reader").attr_ints("pads", {}), (Ints{1, 1, 1, 2}));
    EXPECT_FALSE(node_named(g, "reader").has_attr("count_include_pad"));
}

// Each of these means something an attribute cannot say, so the Pad stays.
TEST(FoldPads, PadsThatMeanSomethingElseStay) {
    const Ints pool{3, 3};
    const float inf = std::numeric_limits<float>::infinity();
    struct Case {
        const char* what;
        Graph graph;
    };
    std::vector<Case> cases;
    cases.push_back({"non-zero fill before a Conv", pad_then("Conv", kSpatialPads, 0.5f, {})});
    cases.push_back({"zero fill before a MaxPool", pad_then("MaxPool", kSpatialPads, 0.0f, {{"kernel_shape", pool}})});
    cases.push_back({"-inf fill before an AveragePool", pad_then("AveragePool", kSpatialPads, -inf, {{"kernel_shape", pool}})});
    cases.push_back({"channel padding", pad_then("Conv", Ints{0, 1, 0, 0, 0, 0, 0, 0}, 0.0f, {})});
    cases.push_back({"negative pads (a crop)", pad_then("Conv", Ints{0, 0, -1, 0, 0, 0, 0, 0}, 0.0f, {})});
    cases.push_back({"SAME auto-padding", pad_then("Conv", kSpatialPads, 0.0f, {{"auto_pad", std::string("SAME_UPPER")}})});
    cases.push_back({"a pool in ceil mode",
                     pad_then("AveragePool", kSpatialPads, 0.0f, {{"kernel_shape", pool}, {"ceil_mode", int64_t{1}}})});
    cases.push_back({"a pool excluding its own padding",
                     pad_then("AveragePool", kSpatialPads, 0.0f, {{"kernel_shape", pool}, {"pads", Ints{1, 1, 1, 1}}})});
    cases.push_back({"a reader of another op", pad_then("Relu", kSpatialPads, 0.0f, {})});
    Graph edge = pad_then("Conv", kSpatialPads, 0.0f, {});
    edge.nodes[0].attributes["mode"] = std::string("edge");
    cases.push_back({"edge mode", std::move(edge)});
    Graph output = pad_then("Conv", kSpatialPads, 0.0f, {});
    output.outputs.push_back({"p", DType::F32, {}});
    cases.push_back({"a padded value that is a graph output", std::move(output)});
    Graph shared = pad_then("Conv", kSpatialPads, 0.0f, {});
    shared.nodes.push_back({"other", "Relu", "", {"p"}, {"z"}, {}});
    shared.outputs.push_back({"z", DType::F32, {}});
    cases.push_back({"a padded value with two readers", std::move(shared)});
    Graph dynamic = pad_then("Conv", kSpatialPads, 0.0f, {});
    dynamic.initializers.erase("pad.pads");
    dynamic.inputs.push_back({"pad.pads", DType::I64, {8}});
    cases.push_back({"pads given at run time", std::move(dynamic)});
    for (auto& c : cases) {
        const size_t before = c.graph.nodes.size();
        pot::core::fold_pads(c.graph);
        EXPECT_EQ(c.graph.nodes.size(), before) << c.what;
        EXPECT_EQ(c.graph.nodes[0].op_type, "Pad") << c.what;
    }
}

// Opset 2-10 spell pads and fill as attributes.
TEST(FoldPads, AttributeFormOfOlderOpsetsFolds) {
    Graph g = pad_then("Conv", {}, 0.0f, {});
    g.nodes[0].inputs = {"x"};
    g.nodes[0].attributes["pads"] = kSpatialPads;
    g.nodes[0].attributes["value"] = 0.0f;
    pot::core::optimize_graph(g);
    ASSERT_EQ(op_types(g), std::vector<std::string>{"Conv"});
    EXPECT_EQ(node_named(g, "reader").attr_ints("pads", {}), (Ints{1, 1, 1, 2}));
}

}  // namespace
