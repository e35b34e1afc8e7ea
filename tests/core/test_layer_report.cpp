// The per-layer report: ops that cancel their input (the mean of a normalized tensor) are told
// apart from ops the quantization broke.

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/core/layer_report.hpp"
#include "pot/fake_quantize_node.hpp"
#include "test_host.hpp"

namespace {

using pot::Graph;

// x -> x - mean(x) = c; c is quantized; mean(c) (about 0 in float: the op cancels its input)
// and relu(c) are the outputs, as in a spelled-out LayerNorm.
struct Models {
    Graph fp32, int8;
};

Models centered_models() {
    pot::test::GraphBuilder b("centered");
    const auto x = b.input("x", {1, 4, 16});
    const pot::Attribute axes = std::vector<int64_t>{-1};
    const auto mean = b.node("ReduceMean", {x}, {{"axes", axes}}, "mean");
    const auto c = b.node("Sub", {x, mean}, {}, "center");
    b.output(b.node("ReduceMean", {c}, {{"axes", axes}}, "mean_of_centered"), {1, 4, 1});
    b.output(b.node("Relu", {c}, {}, "relu"), {1, 4, 16});
    Models m{b.build(), b.build()};
    const auto fq = pot::fake_quantize_from_range({-1.0f}, {1.0f}, {8, true, true, false}, -1);
    pot::insert_fake_quantize(m.int8, pot::FakeQuantizeSite{c, std::nullopt, 0}, fq, 3);
    return m;
}

TEST(LayerReport, AnOpThatCancelsItsInputIsMarkedAndListedLast) {
    pot::test::PluginHost host;
    const auto [fp32, int8] = centered_models();
    pot::test::VectorData data(pot::test::random_samples(4, {1, 4, 16}, 5));
    const auto layers = pot::core::measure_layer_errors(host.engine(), fp32, int8, data, 4);
    ASSERT_EQ(layers.size(), 2u);
    const auto& mean = layers[0].node == "mean_of_centered" ? layers[0] : layers[1];
    const auto& relu = layers[0].node == "relu" ? layers[0] : layers[1];
    ASSERT_EQ(mean.node, "mean_of_centered");
    ASSERT_EQ(relu.node, "relu");
    // The rounding noise of c survives the mean while the float mean is ~1e-8: a SQNR far below 0.
    EXPECT_LT(mean.sqnr_db, 0.0);
    ASSERT_TRUE(mean.output_to_input_db.has_value());
    EXPECT_LT(*mean.output_to_input_db, pot::core::kCancellingOpDb);
    EXPECT_TRUE(mean.cancels_input);
    ASSERT_TRUE(relu.output_to_input_db.has_value());
    EXPECT_GT(*relu.output_to_input_db, -10.0);  // about half of c's energy
    EXPECT_FALSE(relu.cancels_input);
    EXPECT_GT(relu.sqnr_db, 30.0);

    // Listed after the ops whose error means something, and explained in the table.
    const auto rows = pot::core::layer_errors_json(layers);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].at("node"), "relu");
    EXPECT_EQ(rows[1].at("node"), "mean_of_centered");
    EXPECT_TRUE(rows[1].at("cancels_input").get<bool>());
    const std::string table = pot::core::layer_errors_table(layers, 10);
    EXPECT_LT(table.find("relu"), table.find("mean_of_centered")) << table;
    EXPECT_NE(table.find("cancels it"), std::string::npos) << table;
    // With only the worst row shown, no footnote for a row not shown.
    EXPECT_EQ(pot::core::layer_errors_table(layers, 1).find("cancels it"), std::string::npos);
}

}  // namespace
