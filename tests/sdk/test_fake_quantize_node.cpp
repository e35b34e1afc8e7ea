#include <gtest/gtest.h>

#include "pot/fake_quantize_node.hpp"

namespace {

using pot::Graph;
using pot::Node;
using pot::Shape;
using pot::Tensor;

// A graph whose input x (of `x_shape`; empty for an unknown shape) feeds FakeQuantize "fq" with
// bounds of `bound_shape`: channel c spans [-(c + 1), c + 1].
Graph quantized_input(const Shape& x_shape, const Shape& bound_shape, bool with_levels = true) {
    Graph g;
    g.inputs.push_back({"x", pot::DType::F32, x_shape});
    const Tensor shape_probe(pot::DType::F32, bound_shape);
    std::vector<float> low, high;
    for (int64_t c = 0; c < shape_probe.numel(); ++c) {
        low.push_back(-static_cast<float>(c + 1));
        high.push_back(static_cast<float>(c + 1));
    }
    g.initializers["lo"] = Tensor::from_vector<float>(bound_shape, low);
    g.initializers["hi"] = Tensor::from_vector<float>(bound_shape, high);
    Node fq;
    fq.name = "fq";
    fq.op_type = pot::kFakeQuantizeOp;
    fq.domain = pot::kFakeQuantizeDomain;
    fq.inputs = {"x", "lo", "hi", "lo", "hi"};
    fq.outputs = {"y"};
    if (with_levels) fq.attributes["levels"] = int64_t{256};
    g.nodes.push_back(fq);
    return g;
}

std::string read_error(const Graph& g) {
    try {
        pot::read_fake_quantize(g, g.nodes[0]);
    } catch (const pot::Error& e) {
        return e.what();
    }
    return "";
}

pot::FakeQuantizeParams read(const Graph& g) { return pot::read_fake_quantize(g, g.nodes[0]); }

TEST(ReadFakeQuantize, FullRankBoundsGiveTheirNonUnitDimension) {
    EXPECT_EQ(read(quantized_input({8, 3, 2, 2}, {8, 1, 1, 1})).axis, 0);
    EXPECT_EQ(read(quantized_input({1, 3, 2, 2}, {1, 3, 1, 1})).axis, 1);
}

TEST(ReadFakeQuantize, ShorterBoundsAlignWithTheLastDimensionsOfTheInput) {
    // [3,1,1] broadcasts against [1,3,2,2] as [1,3,1,1]: the channel is dimension 1 of x, which is
    // the axis a per-channel DequantizeLinear needs.
    const auto params = read(quantized_input({1, 3, 2, 2}, {3, 1, 1}));
    EXPECT_EQ(params.axis, 1);
    EXPECT_EQ(params.input_high, (std::vector<float>{1, 2, 3}));
}

TEST(ReadFakeQuantize, GivenInputRankPlacesShortBounds) {
    const Graph g = quantized_input({}, {3, 1, 1});
    EXPECT_EQ(pot::read_fake_quantize(g, g.nodes[0], 4).axis, 1);
    EXPECT_EQ(pot::read_fake_quantize(g, g.nodes[0], 3).axis, 0);
}

TEST(ReadFakeQuantize, UnknownInputRankTakesTheBoundsAsFullRank) {
    EXPECT_EQ(read(quantized_input({}, {1, 3, 1, 1})).axis, 1);
}

TEST(ReadFakeQuantize, ScalarBoundsArePerTensor) {
    const auto params = read(quantized_input({1, 3, 2, 2}, {}));
    EXPECT_EQ(params.axis, -1);
    EXPECT_FALSE(params.per_channel());
}

TEST(ReadFakeQuantize, BoundOfHigherRankThanTheInputIsAnError) {
    const std::string message = read_error(quantized_input({3, 2}, {1, 3, 1}));
    EXPECT_NE(message.find("'fq'"), std::string::npos) << message;
    EXPECT_NE(message.find("higher rank"), std::string::npos) << message;
}

TEST(ReadFakeQuantize, MissingLevelsIsAnErrorNamingTheNode) {
    // levels is a required attribute of FakeQuantize: no default is guessed.
    const std::string message = read_error(quantized_input({1, 3}, {}, /*with_levels=*/false));
    EXPECT_NE(message.find("FakeQuantize 'fq'"), std::string::npos) << message;
    EXPECT_NE(message.find("'levels' is required"), std::string::npos) << message;
}

TEST(ReadFakeQuantize, LevelsAreReadFromTheAttribute) {
    Graph g = quantized_input({1, 3}, {});
    g.nodes[0].attributes["levels"] = int64_t{15};
    EXPECT_EQ(read(g).levels, 15);
}

TEST(TryReadFakeQuantize, IsEmptyWhereReadingThrows) {
    const Graph no_levels = quantized_input({1, 3}, {}, /*with_levels=*/false);
    EXPECT_FALSE(pot::try_read_fake_quantize(no_levels, no_levels.nodes[0], 2).has_value());
    Graph dynamic_bound = quantized_input({1, 3}, {});
    dynamic_bound.initializers.erase("hi");
    EXPECT_FALSE(pot::try_read_fake_quantize(dynamic_bound, dynamic_bound.nodes[0], 2).has_value());
    const Graph two_axes = quantized_input({2, 3}, {2, 3});
    EXPECT_FALSE(pot::try_read_fake_quantize(two_axes, two_axes.nodes[0], 2).has_value());
}

TEST(TryReadFakeQuantize, AgreesWithReadOnAValidNode) {
    const Graph g = quantized_input({1, 3, 2, 2}, {3, 1, 1});
    const auto params = pot::try_read_fake_quantize(g, g.nodes[0], 4);
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->axis, 1);
    EXPECT_EQ(params->input_low, read(g).input_low);
}

}  // namespace
