// RangeOptimization's parts: the search box, which quantizers share a searched range, how a range
// is written into the graph, and that 0 stays on a code.
#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/fake_quantize.hpp"
#include "pot/fake_quantize_node.hpp"
#include "range_optimization.hpp"

namespace {

using pot::range_optimization::find_range_groups;
using pot::range_optimization::search_interval;
using pot::range_optimization::set_range;

// x -> Relu -> FQ(a) -> Add(., FQ(b) of x) with both of the Add's inputs on one range, plus a
// quantized Sigmoid output on a range of its own.
pot::Graph quantized_graph() {
    pot::Graph g;
    g.name = "ranges";
    g.opset = 13;
    g.inputs.push_back({"x", pot::DType::F32, {1, 4}});
    g.nodes.push_back({"relu", "Relu", "", {"x"}, {"r"}, {}});
    g.nodes.push_back({"sig", "Sigmoid", "", {"x"}, {"s"}, {}});
    g.nodes.push_back({"add", "Add", "", {"r", "x"}, {"y"}, {}});
    g.outputs.push_back({"y", pot::DType::F32, {1, 4}});
    g.outputs.push_back({"s", pot::DType::F32, {1, 4}});
    const pot::QuantSpec asym{8, false, true, false};
    const auto shared = pot::fake_quantize_from_range({-1.0f}, {3.0f}, asym, -1);
    pot::insert_fake_quantize(g, {"r", std::nullopt, 0}, shared, 2);
    pot::insert_fake_quantize(g, {"x", std::string("add"), 1}, shared, 2);
    pot::insert_fake_quantize(g, {"s", std::nullopt, 0},
                              pot::fake_quantize_from_range({0.0f}, {1.0f}, pot::QuantSpec{8, true, false, false}, -1), 2);
    return g;
}

TEST(RangeOptimizationBox, FollowsTheSignOfTheValueAndGivesZeroItsOwnWidth) {
    EXPECT_EQ(search_interval(2.0, 0.1, 0.05, 0.3), (std::pair<double, double>{1.8, 2.1}));
    const auto negative = search_interval(-2.0, 0.1, 0.05, 0.3);
    EXPECT_DOUBLE_EQ(negative.first, -2.1);
    EXPECT_DOUBLE_EQ(negative.second, -1.8);
    EXPECT_EQ(search_interval(0.0, 0.1, 0.05, 0.3), (std::pair<double, double>{-0.3, 0.3}));
}

TEST(RangeOptimizationGroups, EqualRangesAreSearchedTogetherAndScopeSelects) {
    const auto g = quantized_graph();
    const auto groups = find_range_groups(g, {});
    ASSERT_EQ(groups.size(), 2u);
    const auto& shared = groups[0].quantizers.size() == 2 ? groups[0] : groups[1];
    const auto& own = groups[0].quantizers.size() == 2 ? groups[1] : groups[0];
    EXPECT_EQ(shared.quantizers.size(), 2u);
    EXPECT_FALSE(shared.low_per_high.has_value());  // asymmetric: both bounds searched
    ASSERT_TRUE(own.low_per_high.has_value());      // unsigned: low stays 0
    EXPECT_EQ(*own.low_per_high, 0.0f);
    // By the producer's node name, or by the value's.
    EXPECT_EQ(find_range_groups(g, {"sig"}).size(), 1u);
    EXPECT_EQ(find_range_groups(g, {"s"}).size(), 1u);
    EXPECT_TRUE(find_range_groups(g, {"no_such_node"}).empty());
}

TEST(RangeOptimizationGroups, AsymmetricBoundsKeepZeroOnACode) {
    const auto g = quantized_graph();
    auto groups = find_range_groups(g, {"relu"});
    ASSERT_EQ(groups.size(), 1u);
    const auto [low, high] = groups[0].range(-0.937, 3.31);
    pot::FakeQuantizeParams fq;
    fq.levels = 256;
    fq.input_low = fq.output_low = {low};
    fq.input_high = fq.output_high = {high};
    EXPECT_NO_THROW(pot::encoding_from_fake_quantize(fq, pot::DType::U8));
    EXPECT_NEAR(low, -0.937, (3.31 + 0.937) / 255);
    EXPECT_NEAR(high, 3.31, (3.31 + 0.937) / 255);
}

TEST(RangeOptimizationGroups, SettingARangeChangesEveryQuantizerOfTheGroupAndNoOther) {
    auto g = quantized_graph();
    const auto groups = find_range_groups(g, {});
    const auto& shared = groups[0].quantizers.size() == 2 ? groups[0] : groups[1];
    const auto [low, high] = shared.range(-0.5, 2.0);
    set_range(g, shared, low, high);
    for (size_t q : shared.quantizers) {
        const auto p = pot::read_fake_quantize(g, g.nodes[q]);
        EXPECT_FLOAT_EQ(p.input_low[0], low);
        EXPECT_FLOAT_EQ(p.output_high[0], high);
    }
    const auto after = find_range_groups(g, {"sig"});
    ASSERT_EQ(after.size(), 1u);
    EXPECT_FLOAT_EQ(after[0].high, 1.0f);
}

TEST(RangeOptimizationGroups, ABoundConstantSharedWithAnotherQuantizerIsCopiedFirst) {
    auto g = quantized_graph();
    const auto groups = find_range_groups(g, {"sig"});
    ASSERT_EQ(groups.size(), 1u);
    pot::Node& sig_fq = g.nodes[groups[0].quantizers[0]];
    // Make another quantizer read the Sigmoid quantizer's high bound.
    const auto others = find_range_groups(g, {"relu"});
    pot::Node& other = g.nodes[others[0].quantizers[0]];
    const std::string old_high = other.inputs[2];
    other.inputs[2] = sig_fq.inputs[2];
    other.inputs[4] = sig_fq.inputs[4];
    set_range(g, groups[0], 0.0f, 0.5f);
    EXPECT_FLOAT_EQ(pot::read_fake_quantize(g, g.nodes[groups[0].quantizers[0]]).input_high[0], 0.5f);
    EXPECT_FLOAT_EQ(pot::read_fake_quantize(g, g.nodes[others[0].quantizers[0]]).input_high[0], 1.0f);
}

}  // namespace
