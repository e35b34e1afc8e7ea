#include <pot/fake_quantize.hpp>

#include "op_tester.hpp"

namespace pot::test {
namespace {

OpTester fake_quantize(const Tensor& x, Tensor il, Tensor ih, Tensor ol, Tensor oh,
                       int64_t levels) {
    OpTester op(kFakeQuantizeOp, kFakeQuantizeDomain);
    op.attr("levels", levels)
        .input(x)
        .input(std::move(il))
        .input(std::move(ih))
        .input(std::move(ol))
        .input(std::move(oh));
    return op;
}

TEST(ReferenceFakeQuantize, PerTensorRoundsHalfToEvenAndSaturates) {
    const Tensor y = fake_quantize(floats({5}, {-1, 0.5f, 1.5f, 2.4f, 300}), Tensor::scalar(0),
                                   Tensor::scalar(255), Tensor::scalar(0), Tensor::scalar(255), 256)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({5}), std::vector<float>({0, 0, 2, 2, 255}), 0.0f);
}

TEST(ReferenceFakeQuantize, OutputRangeDifferentFromInputRange) {
    // 3 levels over [0, 10] mapped to {-1, 0, 1}.
    const Tensor y = fake_quantize(floats({5}, {-5, 2, 5, 8, 11}), Tensor::scalar(0),
                                   Tensor::scalar(10), Tensor::scalar(-1), Tensor::scalar(1), 3)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({5}), std::vector<float>({-1, -1, 0, 1, 1}), 1e-6f);
}

TEST(ReferenceFakeQuantize, PerChannelBoundsOnAxisOne) {
    // Channel 0: [0, 3], scale 1. Channel 1: [-3, 6], scale 3, zero point 1.
    const Tensor lo = floats({1, 2, 1, 1}, {0, -3}), hi = floats({1, 2, 1, 1}, {3, 6});
    const Tensor y =
        fake_quantize(floats({1, 2, 1, 2}, {1.4f, 2.6f, -4, 4.4f}), lo, hi, lo, hi, 4).run();
    POT_EXPECT_FLOATS(y, Shape({1, 2, 1, 2}), std::vector<float>({1, 3, -3, 3}), 1e-6f);
}

TEST(ReferenceFakeQuantize, PerOutputChannelWeightsOnAxisZero) {
    // Weights [2,1,1,2] with bounds [2,1,1,1]; channel 1 saturates at its own range.
    const Tensor lo = floats({2, 1, 1, 1}, {-1, -10}), hi = floats({2, 1, 1, 1}, {1, 10});
    const Tensor y =
        fake_quantize(floats({2, 1, 1, 2}, {0.3f, -5, 0.3f, -50}), lo, hi, lo, hi, 3).run();
    POT_EXPECT_FLOATS(y, Shape({2, 1, 1, 2}), std::vector<float>({0, -1, 0, -10}), 1e-6f);
}

TEST(ReferenceFakeQuantize, AgreesWithSdkFunction) {
    const Tensor x = random_floats({2, 3, 4, 4}, 4);
    const Tensor lo = floats({1, 3, 1, 1}, {-0.5f, -1, -0.25f}),
                 hi = floats({1, 3, 1, 1}, {0.5f, 0.8f, 1});
    const Tensor y = fake_quantize(x, lo, hi, lo, hi, 256).run();
    FakeQuantizeParams params;
    params.levels = 256;
    params.axis = 1;
    params.input_low = params.output_low = lo.to_floats();
    params.input_high = params.output_high = hi.to_floats();
    Tensor expected;
    pot::fake_quantize(x, params, expected);
    EXPECT_TRUE(tensors_near(y, expected, 0.0f));
}

TEST(ReferenceFakeQuantize, BoundsVaryingAlongTwoDimsAreRejected) {
    const Tensor b = floats({1, 2, 2, 1}, {0, 0, 0, 0});
    EXPECT_THROW(fake_quantize(Tensor(DType::F32, {1, 2, 2, 1}), b, b, b, b, 256).run(), Error);
}

TEST(ReferenceQuantizeLinear, PerTensorU8WithZeroPoint) {
    const Tensor y = OpTester("QuantizeLinear")
                         .input(floats({5}, {0, 1, 2.5f, -1, 1000}))
                         .input(Tensor::scalar(0.5f))
                         .input(Tensor::from_vector<uint8_t>({}, {10}))
                         .run();
    EXPECT_EQ(y.dtype(), DType::U8);
    POT_EXPECT_INTS(y, Shape({5}), std::vector<int64_t>({10, 12, 15, 8, 255}));
}

TEST(ReferenceQuantizeLinear, RoundsHalfToEvenAndSaturatesInt8) {
    const Tensor y = OpTester("QuantizeLinear")
                         .input(floats({5}, {-0.5f, -1.5f, 2.5f, -200, 200}))
                         .input(Tensor::scalar(1))
                         .input(Tensor::from_vector<int8_t>({}, {0}))
                         .run();
    EXPECT_EQ(y.dtype(), DType::I8);
    POT_EXPECT_INTS(y, Shape({5}), std::vector<int64_t>({0, -2, 2, -128, 127}));
}

TEST(ReferenceQuantizeLinear, WithoutZeroPointIsU8) {
    const Tensor y =
        OpTester("QuantizeLinear").input(floats({2}, {3, -3})).input(Tensor::scalar(1)).run();
    EXPECT_EQ(y.dtype(), DType::U8);
    POT_EXPECT_INTS(y, Shape({2}), std::vector<int64_t>({3, 0}));
}

TEST(ReferenceQuantizeLinear, PerAxisDefaultAxisOne) {
    const Tensor y = OpTester("QuantizeLinear")
                         .input(floats({2, 2}, {1, 4, 3, -4}))
                         .input(floats({2}, {1, 2}))
                         .input(Tensor::from_vector<int8_t>({2}, {0, 1}))
                         .run();
    POT_EXPECT_INTS(y, Shape({2, 2}), std::vector<int64_t>({1, 3, 3, -1}));
}

TEST(ReferenceDequantizeLinear, PerTensorU8) {
    const Tensor y = OpTester("DequantizeLinear")
                         .input(Tensor::from_vector<uint8_t>({3}, {0, 128, 255}))
                         .input(Tensor::scalar(0.5f))
                         .input(Tensor::from_vector<uint8_t>({}, {128}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({3}), std::vector<float>({-64, 0, 63.5f}), 0.0f);
}

TEST(ReferenceDequantizeLinear, PerAxisInt8OnAxisZero) {
    const Tensor y = OpTester("DequantizeLinear")
                         .attr("axis", int64_t{0})
                         .input(Tensor::from_vector<int8_t>({2, 2}, {1, 2, 9, -1}))
                         .input(floats({2}, {1, 0.5f}))
                         .input(Tensor::from_vector<int8_t>({2}, {0, -1}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2}), std::vector<float>({1, 2, 5, 0}), 0.0f);
}

TEST(ReferenceDequantizeLinear, Int32WithoutZeroPoint) {
    const Tensor y = OpTester("DequantizeLinear")
                         .input(Tensor::from_vector<int32_t>({2}, {-300, 7}))
                         .input(Tensor::scalar(0.25f))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2}), std::vector<float>({-75, 1.75f}), 0.0f);
}

TEST(ReferenceQdq, QuantizeDequantizeEqualsFakeQuantizeBitForBit) {
    const Tensor x = random_floats({1, 2, 3, 3}, 9);
    // Per-channel u8 encoding on axis 1 and the FakeQuantize it stands for.
    QuantEncoding enc;
    enc.dtype = DType::U8;
    enc.axis = 1;
    enc.scale = {0.01f, 0.005f};
    enc.zero_point = {128, 100};
    const FakeQuantizeParams fq = fake_quantize_from_encoding(enc);
    const Tensor scale = floats({2}, enc.scale);
    const Tensor zero = Tensor::from_vector<uint8_t>({2}, {128, 100});
    const Tensor q = OpTester("QuantizeLinear").input(x).input(scale).input(zero).run();
    const Tensor dq = OpTester("DequantizeLinear").input(q).input(scale).input(zero).run();
    const Tensor lo = floats({1, 2, 1, 1}, fq.input_low), hi = floats({1, 2, 1, 1}, fq.input_high);
    const Tensor y = fake_quantize(x, lo, hi, lo, hi, fq.levels).run();
    EXPECT_TRUE(tensors_near(dq, y, 0.0f));
}

}  // namespace
}  // namespace pot::test
