// Softmax outputs get no finer grid than ONNX Runtime's fused QLinearSoftmax computes.

#include <cmath>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "ort_runner.hpp"
#include "range_softmax.hpp"
#include "temp_dir.hpp"
#include "test_host.hpp"

namespace {

using pot::Graph;
using pot::Tensor;
using pot::min_max::floor_softmax_output_ranges;
using pot::min_max::softmax_length;
using pot::min_max::softmax_min_output_scale;
using pot::min_max::ValueRange;

constexpr int64_t kRows = 4, kLength = 49, kWidth = 8;

// x [1, 4, 49] -> MatMul(W) -> Softmax over the last axis -> Dropout -> MatMul(V) -> y [1, 4, 8].
// W is tiny, so every softmax row is close to uniform (about 1/49): the measured range of the
// attention probabilities is far narrower than anything a Softmax can output.
Graph attention_graph() {
    pot::test::GraphBuilder b("attention");
    const auto x = b.input("x", {1, kRows, kLength});
    const auto w = b.constant("w", pot::test::random_tensor({kLength, kLength}, 3, -0.01f, 0.01f));
    const auto v = b.constant("v", pot::test::random_tensor({kLength, kWidth}, 4, 0.0f, 1.0f));
    const auto scores = b.node("MatMul", {x, w}, {}, "scores");
    const auto probs = b.node("Softmax", {scores}, {{"axis", pot::Attribute(int64_t{-1})}}, "softmax");
    const auto kept = b.node("Dropout", {probs}, {}, "dropout");
    b.output(b.node("MatMul", {kept, v}, {}, "context"), {1, kRows, kWidth});
    return b.build();
}

TEST(SoftmaxLength, IsTheAxisLengthFromOpset13AndTheCoercedRowBefore) {
    EXPECT_EQ(softmax_length({1, 4, 49}, -1, 13), 49);
    EXPECT_EQ(softmax_length({1, 4, 49}, 1, 13), 4);
    EXPECT_EQ(softmax_length({1, 4, 49}, 1, 11), 4 * 49);
    EXPECT_EQ(softmax_length({1, -1, 49}, -1, 13), 49);
    EXPECT_EQ(softmax_length({1, 4, -1}, -1, 13), 0);
    EXPECT_EQ(softmax_length({1, 4, 49}, 3, 13), 0);
}

TEST(SoftmaxOutputFloor, WidensOnlyRangesFinerThanTheKernelComputes) {
    const double floor49 = softmax_min_output_scale(49);
    EXPECT_NEAR(floor49, 2.0 / (49 * std::exp(5.0)), 1e-12);
    std::map<std::string, ValueRange> ranges{{"narrow", {0.0f, 0.02f}}, {"wide", {0.0f, 0.9f}},
                                             {"unknown", {0.0f, 0.5f}}};
    const std::vector<pot::min_max::SoftmaxOutput> outputs{
        {"narrow", "i1", -1, 49}, {"wide", "i2", -1, 49}, {"unknown", "i3", -1, 0}};
    const auto widened = floor_softmax_output_ranges(outputs, ranges, 8);
    ASSERT_EQ(widened.size(), 2u);
    EXPECT_EQ(widened[0].value, "narrow");
    EXPECT_EQ(widened[0].high_before, 0.02f);
    EXPECT_GE(pot::fake_quantize_scale(0.0f, ranges.at("narrow").high, 256), floor49);
    EXPECT_LE(pot::fake_quantize_scale(0.0f, ranges.at("narrow").high, 256), floor49 * 1.0001);
    EXPECT_EQ(ranges.at("wide").high, 0.9f);
    // A length nobody could measure counts as 1: the coarsest floor, 2 / e^5 per step.
    EXPECT_EQ(widened[1].value, "unknown");
    EXPECT_GE(pot::fake_quantize_scale(0.0f, ranges.at("unknown").high, 256), softmax_min_output_scale(1));
}

// The quantized attention runs in ONNX Runtime as it does in the reference engine: with the
// measured range (scale about 1e-4) ONNX Runtime's QLinearSoftmax overflowed and wrote garbage codes.
TEST(SoftmaxOutputFloor, QuantizedAttentionGivesTheSameResultInOnnxRuntime) {
    pot::test::PluginHost host;
    const auto samples = pot::test::random_samples(8, {1, kRows, kLength}, 21);
    pot::test::VectorData data(samples);
    Graph g = attention_graph();
    host.run("MinMaxQuantization", "{}", g, data);

    // The attention probabilities are quantized on the floored grid.
    // The FakeQuantize takes over the value's name (its input becomes "dropout_out/raw").
    const auto quantizer = g.producer("dropout_out");
    ASSERT_TRUE(quantizer && pot::is_fake_quantize(g.nodes[*quantizer])) << "the Dropout output is not quantized";
    const auto fq = pot::read_fake_quantize(g, g.nodes[*quantizer]);
    const float step = pot::fake_quantize_scale(fq.input_low[0], fq.input_high[0], fq.levels);
    EXPECT_GE(step, softmax_min_output_scale(kLength));
    EXPECT_TRUE(host.reports().contains("MinMaxQuantization")) << host.reports().dump();
    EXPECT_NE(host.reports().dump().find("softmax_output_floor"), std::string::npos) << host.reports().dump();

    pot::test::TempDir dir;
    pot::core::save_onnx(g, dir / "attention.onnx");
    const Tensor& x = samples[0];
    const Tensor ort = pot::test::run_in_onnxruntime(dir / "attention.onnx", {x}).at(0);
    const Tensor ours = host.engine().compile(g)->infer({x}).at(0);
    // Each probability code may differ by a step or two (ONNX Runtime takes exp from a table);
    // each output sums 49 of them weighted by a column of V (in [0, 1), so outputs are near 0.5).
    float v_sum = 0.0f;
    for (int64_t j = 0; j < kWidth; ++j) {
        float column = 0.0f;
        for (int64_t k = 0; k < kLength; ++k) column += attention_graph().constant("v").data<float>()[k * kWidth + j];
        v_sum = std::max(v_sum, column);
    }
    const float tolerance = 2.0f * step * v_sum;
    float worst = 0.0f, largest = 0.0f;
    for (int64_t i = 0; i < ours.numel(); ++i) {
        worst = std::max(worst, std::fabs(ort.data<float>()[i] - ours.data<float>()[i]));
        largest = std::max(largest, std::fabs(ours.data<float>()[i]));
    }
    EXPECT_LE(worst, tolerance) << "largest output " << largest;
    EXPECT_GT(largest, 10 * tolerance);
}

}  // namespace
