// Exported models run in ONNX Runtime (an independent implementation) and give what the IR says.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

#include "model_builders.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "ort_runner.hpp"
#include "temp_dir.hpp"

namespace {

using pot::DType;
using pot::FakeQuantizeSite;
using pot::Graph;
using pot::Tensor;
using pot::test::apply_fake_quantize;
using pot::test::ConvReluSpec;
using pot::test::fake_quantize_params;

// ONNX Runtime comes from npm (scripts/setup-npm.sh). Without it these tests fail with the reason,
// unless POT_SKIP_ONNXRUNTIME=1 asks to skip them explicitly.
#define REQUIRE_ONNXRUNTIME()                                                              \
    do {                                                                                   \
        const std::string why = pot::test::onnxruntime_unavailable_reason();               \
        const char* skip = std::getenv("POT_SKIP_ONNXRUNTIME");                            \
        if (!why.empty() && skip && std::string(skip) == "1") GTEST_SKIP() << why;         \
        ASSERT_TRUE(why.empty()) << why << " (or set POT_SKIP_ONNXRUNTIME=1 to skip)";     \
    } while (false)

std::vector<Tensor> run(const Graph& graph, const std::vector<Tensor>& inputs) {
    pot::test::TempDir dir;
    pot::core::save_onnx(graph, dir / "model.onnx");
    return pot::test::run_in_onnxruntime(dir / "model.onnx", inputs);
}

/// Reference of conv_relu_graph with FakeQuantize on x, the weight and y, computed step by step.
Tensor quantized_conv_relu_reference(const Graph& g, const Tensor& x, const pot::FakeQuantizeParams& px,
                                     const pot::FakeQuantizeParams& pw, const pot::FakeQuantizeParams& py,
                                     const Tensor& weight) {
    const Tensor xq = apply_fake_quantize(x, px);
    const Tensor wq = apply_fake_quantize(weight, pw);
    const Tensor conv = pot::test::conv2d_reference(xq, wq, g.constant("conv.bias"), 1);
    return apply_fake_quantize(pot::test::relu_reference(conv), py);
}

TEST(OnnxRuntime, FloatConvReluMatchesPlainLoops) {
    REQUIRE_ONNXRUNTIME();
    const Graph g = pot::test::conv_relu_graph({});
    const Tensor x = pot::test::uniform_tensor({1, 2, 5, 5}, 11);
    const auto out = run(g, {x});
    ASSERT_EQ(out.size(), 1u);
    const Tensor expected = pot::test::relu_reference(
        pot::test::conv2d_reference(x, g.constant("conv.weight"), g.constant("conv.bias"), 1));
    EXPECT_LE(pot::test::max_abs_diff(out[0], expected), 1e-5f);
}

// Power-of-two scales and a bias on the grid of input_scale * weight_scale keep every step exact
// in float and in ONNX Runtime's integer kernels, so the results must agree to float precision.
// Weight codes stay within [-32, 32]: AVX2 integer kernels may saturate pairs of u8 x s8 products.
TEST(OnnxRuntime, QuantizedConvReluEqualsFakeQuantizeStepByStep) {
    REQUIRE_ONNXRUNTIME();
    ConvReluSpec spec{.in_channels = 2, .out_channels = 3, .size = 6, .kernel = 3, .with_bias = true, .seed = 5};
    Graph g = pot::test::conv_relu_graph(spec);
    std::mt19937 rng(9);
    std::uniform_int_distribution<int> bias_codes(-300, 300);
    for (int64_t c = 0; c < 3; ++c)
        g.constant("conv.bias").data<float>()[c] = static_cast<float>(bias_codes(rng)) / 128.0f;
    const Tensor weight = g.constant("conv.weight");
    const auto px = fake_quantize_params(DType::U8, {1.0f / 16}, {128});
    const auto pw = fake_quantize_params(DType::I8, {1.0f / 8, 1.0f / 16, 1.0f / 32}, {0, 0, 0}, 0, 255);
    const auto py = fake_quantize_params(DType::U8, {1.0f / 8}, {0});
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0}, px, 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"conv.weight", std::string("conv"), 1}, pw, 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"y", std::nullopt, 0}, py, 4);

    const Tensor x = pot::test::uniform_tensor({1, 2, 6, 6}, 21, -9.0f, 9.0f);
    const auto out = run(g, {x});
    ASSERT_EQ(out.size(), 1u);
    const Tensor expected = quantized_conv_relu_reference(g, x, px, pw, py, weight);
    EXPECT_LE(pot::test::max_abs_diff(out[0], expected), 1e-5f);
    // The data exercises rounding, clamping at both ends and the ReLU.
    const auto values = expected.to_floats();
    EXPECT_GT(std::count(values.begin(), values.end(), 0.0f), 0);
    EXPECT_GT(std::count(values.begin(), values.end(), py.input_high[0]), 0);
}

// Ranges as calibration produces them (scales not powers of two): ONNX Runtime requantizes in its
// own order, so single codes may differ by one step. Weight ranges are doubled so codes stay within
// [-63, 63] ("reduce range"): with full 8-bit weight codes ONNX Runtime's AVX2 u8 x s8 kernels
// saturate 16-bit pair sums (VPMADDUBSW) and deviate by many steps on machines without VNNI.
TEST(OnnxRuntime, QuantizedConvReluWithMeasuredRangesStaysWithinOneStep) {
    REQUIRE_ONNXRUNTIME();
    ConvReluSpec spec{.in_channels = 4, .out_channels = 8, .size = 8, .kernel = 3, .with_bias = true, .seed = 6};
    Graph g = pot::test::conv_relu_graph(spec);
    const Tensor weight = g.constant("conv.weight");
    const Tensor x = pot::test::uniform_tensor({1, 4, 8, 8}, 31, -1.0f, 1.0f);
    const auto px = pot::fake_quantize_from_range({-1.0f}, {1.0f}, {8, false, true, false}, -1);
    std::vector<float> w_lo, w_hi;
    for (int64_t o = 0; o < 8; ++o) {
        float lo = 0, hi = 0;
        for (int64_t i = 0; i < 4 * 9; ++i) {
            lo = std::min(lo, weight.data<float>()[o * 36 + i]);
            hi = std::max(hi, weight.data<float>()[o * 36 + i]);
        }
        w_lo.push_back(2 * lo);
        w_hi.push_back(2 * hi);
    }
    const auto pw = pot::fake_quantize_from_range(w_lo, w_hi, {8, true, true, true}, 0);
    const auto py = pot::fake_quantize_from_range({0.0f}, {3.0f}, {8, true, false, false}, -1);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0}, px, 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"conv.weight", std::string("conv"), 1}, pw, 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"y", std::nullopt, 0}, py, 4);
    const auto out = run(g, {x});
    ASSERT_EQ(out.size(), 1u);
    const Tensor expected = quantized_conv_relu_reference(g, x, px, pw, py, weight);
    const float step = pot::fake_quantize_scale(py.input_low[0], py.input_high[0], py.levels);
    EXPECT_LE(pot::test::max_abs_diff(out[0], expected), step * 1.001f);
    const auto got = out[0].to_floats(), want = expected.to_floats();
    size_t same = 0;
    for (size_t i = 0; i < got.size(); ++i) same += std::fabs(got[i] - want[i]) <= 1e-5f;
    EXPECT_GE(static_cast<double>(same), 0.95 * static_cast<double>(got.size()));
}

}  // namespace
