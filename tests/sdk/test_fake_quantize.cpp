#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "pot/fake_quantize.hpp"

namespace {

using pot::DType;
using pot::FakeQuantizeParams;
using pot::QuantSpec;
using pot::Tensor;

// ONNX QuantizeLinear followed by DequantizeLinear, written from the ONNX operator definitions.
float onnx_qdq(float x, float scale, int32_t zero_point, DType type) {
    const float lo = type == DType::I8 ? -128.0f : 0.0f, hi = type == DType::I8 ? 127.0f : 255.0f;
    const float q = std::min(hi, std::max(lo, std::nearbyint(x / scale) + static_cast<float>(zero_point)));
    return (q - static_cast<float>(zero_point)) * scale;
}

std::vector<float> random_values(size_t n, float lo, float hi, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

TEST(FakeQuantize, FollowsOpenVinoFormulaForGeneralBounds) {
    // il=0, ih=1, ol=-2, oh=2, levels=5: x=0.3 -> round(1.2)=1 -> 1/4*4-2 = -1
    EXPECT_FLOAT_EQ(pot::fake_quantize_value(0.3f, 0.0f, 1.0f, -2.0f, 2.0f, 5), -1.0f);
    EXPECT_FLOAT_EQ(pot::fake_quantize_value(-5.0f, 0.0f, 1.0f, -2.0f, 2.0f, 5), -2.0f);
    EXPECT_FLOAT_EQ(pot::fake_quantize_value(7.0f, 0.0f, 1.0f, -2.0f, 2.0f, 5), 2.0f);
}

TEST(FakeQuantize, AsymmetricRangeIsAlignedSoZeroIsExact) {
    const auto fq = pot::fake_quantize_from_range({-0.7f}, {2.9f}, QuantSpec{8, false, false, false}, -1);
    const float scale = pot::fake_quantize_scale(fq.input_low[0], fq.input_high[0], fq.levels);
    const float zero = -fq.input_low[0] / scale;
    EXPECT_NEAR(zero, std::nearbyint(zero), 1e-4);
    EXPECT_LE(fq.input_low[0], 0.0f);
    EXPECT_NEAR(fq.input_high[0] - fq.input_low[0], 3.6f, 3.6f / 255.0f);
    Tensor x = Tensor::from_vector<float>({1}, {0.0f}), y;
    pot::fake_quantize(x, fq, y);
    EXPECT_EQ(y.data<float>()[0], 0.0f);
}

TEST(FakeQuantize, SymmetricSignedUses256LevelsWithOneExtraNegativeCode) {
    const auto fq = pot::fake_quantize_from_range({-1.0f}, {0.5f}, QuantSpec{8, true, true, false}, -1);
    EXPECT_EQ(fq.levels, 256);
    EXPECT_FLOAT_EQ(fq.input_high[0], 1.0f);
    EXPECT_FLOAT_EQ(fq.input_low[0], -128.0f / 127.0f);
}

TEST(FakeQuantize, NarrowRangeWeightsUse255Levels) {
    const auto fq = pot::fake_quantize_from_range({-2.0f, -1.0f}, {1.0f, 4.0f}, QuantSpec{8, true, true, true}, 0);
    EXPECT_EQ(fq.levels, 255);
    EXPECT_EQ(fq.axis, 0);
    EXPECT_FLOAT_EQ(fq.input_low[0], -2.0f);
    EXPECT_FLOAT_EQ(fq.input_high[1], 4.0f);
    const auto enc = pot::encoding_from_fake_quantize(fq, DType::I8);
    EXPECT_EQ(enc.dtype, DType::I8);
    EXPECT_EQ(enc.zero_point, (std::vector<int32_t>{0, 0}));
    EXPECT_EQ(enc.q_min, -127);
    EXPECT_EQ(enc.q_max, 127);
}

TEST(FakeQuantize, UnsignedSymmetricStartsAtZero) {
    const auto fq = pot::fake_quantize_from_range({0.0f}, {6.0f}, QuantSpec{8, true, false, false}, -1);
    EXPECT_FLOAT_EQ(fq.input_low[0], 0.0f);
    EXPECT_FLOAT_EQ(fq.input_high[0], 6.0f);
    const auto enc = pot::encoding_from_fake_quantize(fq, DType::U8);
    EXPECT_EQ(enc.dtype, DType::U8);
    EXPECT_EQ(enc.zero_point[0], 0);
}

struct RoundTripCase {
    const char* name;
    QuantSpec spec;
    float lo, hi;
    DType preferred;
};

class FakeQuantizeRoundTrip : public testing::TestWithParam<RoundTripCase> {};

TEST_P(FakeQuantizeRoundTrip, EqualsOnnxQuantizeDequantizeBitForBit) {
    const auto& c = GetParam();
    const auto fq = pot::fake_quantize_from_range({c.lo}, {c.hi}, c.spec, -1);
    const auto enc = pot::encoding_from_fake_quantize(fq, c.preferred);
    // Values inside and outside the range, including exact half steps.
    auto values = random_values(5000, c.lo * 1.5f, c.hi * 1.5f, 11);
    for (int k = -300; k <= 300; ++k) values.push_back((static_cast<float>(k) + 0.5f) * enc.scale[0]);
    Tensor x = Tensor::from_vector<float>({static_cast<int64_t>(values.size())}, values), y;
    pot::fake_quantize(x, fq, y);
    for (size_t i = 0; i < values.size(); ++i) {
        const float expected = onnx_qdq(values[i], enc.scale[0], enc.zero_point[0], enc.dtype);
        // Codes outside the FakeQuantize's levels only differ when QDQ saturates at a wider type range.
        if (values[i] < fq.input_low[0] || values[i] > fq.input_high[0]) {
            EXPECT_TRUE(y.data<float>()[i] == fq.input_low[0] || y.data<float>()[i] == fq.input_high[0]);
            continue;
        }
        ASSERT_EQ(y.data<float>()[i], expected) << "x = " << values[i];
    }
    // And back: the encoding describes the same FakeQuantize.
    const auto back = pot::fake_quantize_from_encoding(enc);
    EXPECT_EQ(back.levels, fq.levels);
    EXPECT_NEAR(back.input_low[0], fq.input_low[0], 1e-6f * std::fabs(fq.input_low[0]) + 1e-9f);
    EXPECT_NEAR(back.input_high[0], fq.input_high[0], 1e-6f * std::fabs(fq.input_high[0]) + 1e-9f);
}

INSTANTIATE_TEST_SUITE_P(
    Specs, FakeQuantizeRoundTrip,
    testing::Values(RoundTripCase{"asymmetric_u8", {8, false, false, false}, -0.37f, 5.1f, DType::U8},
                    RoundTripCase{"symmetric_signed_u8", {8, true, true, false}, -3.0f, 2.0f, DType::U8},
                    RoundTripCase{"symmetric_signed_i8", {8, true, true, false}, -3.0f, 2.0f, DType::I8},
                    RoundTripCase{"unsigned_u8", {8, true, false, false}, 0.0f, 6.0f, DType::U8},
                    RoundTripCase{"narrow_i8", {8, true, true, true}, -0.05f, 0.04f, DType::I8}),
    [](const testing::TestParamInfo<RoundTripCase>& info) { return info.param.name; });

TEST(FakeQuantize, PerChannelUsesEachChannelsBounds) {
    const auto fq = pot::fake_quantize_from_range({-1.0f, -10.0f}, {1.0f, 10.0f}, QuantSpec{8, true, true, true}, 0);
    Tensor x = Tensor::from_vector<float>({2, 2}, {0.5f, 0.01f, 5.0f, 0.01f}), y;
    pot::fake_quantize(x, fq, y);
    EXPECT_NEAR(y.data<float>()[0], 0.5f, 1.0f / 127.0f / 2);
    EXPECT_NEAR(y.data<float>()[1], 0.01f, 1.0f / 127.0f / 2);
    EXPECT_NEAR(y.data<float>()[2], 5.0f, 10.0f / 127.0f / 2);
    EXPECT_EQ(y.data<float>()[3], 0.0f);  // 0.01 is below half a step of channel 1
}

TEST(FakeQuantize, PerChannelRunsMatchTheScalarFormulaBitForBit) {
    // [3, 4, 37] on axis 1: runs of 37 (vector body plus tail) interleaved across channels, with
    // exact half steps, values outside the range and a zero; codes from quantize_tensor too.
    const std::vector<float> low = {-1.0f, -0.2f, -7.0f, 0.0f}, high = {1.0f, 0.3f, 7.0f, 6.0f};
    const auto fq = pot::fake_quantize_from_range(low, high, QuantSpec{8, false, false, false}, 1);
    const auto enc = pot::encoding_from_fake_quantize(fq, DType::U8);
    auto values = random_values(3 * 4 * 37, -8.0f, 8.0f, 5);
    for (size_t i = 0; i < values.size(); i += 5) {
        const size_t c = (i / 37) % 4;
        values[i] = (static_cast<float>(i % 97) - 48.5f) * enc.scale[c];  // a tie
    }
    values[3] = 0.0f;
    const Tensor x = Tensor::from_vector<float>({3, 4, 37}, values);
    Tensor y;
    pot::fake_quantize(x, fq, y);
    const auto codes = pot::quantize_tensor(x, enc);
    for (size_t i = 0; i < values.size(); ++i) {
        const size_t c = (i / 37) % 4;
        const auto zero = static_cast<float>(enc.zero_point[c]);
        const float q_max = static_cast<float>(fq.levels - 1);
        ASSERT_EQ(y.data<float>()[i], pot::fake_quantize_affine(values[i], enc.scale[c], zero, 0.0f, q_max))
            << "element " << i;
        const float code = std::clamp(std::nearbyint(values[i] / enc.scale[c]) + zero, 0.0f, 255.0f);
        ASSERT_EQ(codes.data<uint8_t>()[i], static_cast<uint8_t>(code)) << "element " << i;
    }
}

TEST(FakeQuantize, QuantizeTensorProducesCodes) {
    pot::QuantEncoding enc;
    enc.dtype = DType::I8;
    enc.scale = {0.5f};
    enc.zero_point = {0};
    enc.q_min = -127;
    enc.q_max = 127;
    enc.levels = 255;
    const auto codes = pot::quantize_tensor(Tensor::from_vector<float>({4}, {1.0f, -1.26f, 0.25f, 100.0f}), enc);
    EXPECT_EQ(codes.data<int8_t>()[0], 2);
    EXPECT_EQ(codes.data<int8_t>()[1], -3);
    EXPECT_EQ(codes.data<int8_t>()[2], 0);  // half to even
    EXPECT_EQ(codes.data<int8_t>()[3], 127);
}

TEST(FakeQuantize, RejectsEmptyRangesAndBadBits) {
    FakeQuantizeParams fq;
    fq.input_low = fq.output_low = {1.0f};
    fq.input_high = fq.output_high = {1.0f};
    EXPECT_THROW(fq.validate(), pot::Error);
    EXPECT_THROW(pot::fake_quantize_from_range({0.0f}, {1.0f}, QuantSpec{9, true, true, false}, -1), pot::Error);
    EXPECT_THROW(pot::fake_quantize_from_range({0.0f}, {NAN}, QuantSpec{}, -1), pot::Error);
}

TEST(FakeQuantize, ZeroRangeStillGivesAValidQuantizer) {
    const auto fq = pot::fake_quantize_from_range({0.0f}, {0.0f}, QuantSpec{8, false, false, false}, -1);
    EXPECT_NO_THROW(fq.validate());
}

}  // namespace
