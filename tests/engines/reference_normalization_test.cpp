#include "op_tester.hpp"

namespace pot::test {
namespace {

TEST(ReferenceBatchNormalization, NormalizesPerChannel) {
    const Tensor y = OpTester("BatchNormalization")
                         .attr("epsilon", 0.0f)
                         .input(floats({1, 2, 1, 2}, {1, 2, 3, 4}))
                         .input(floats({2}, {1, 2}))      // scale
                         .input(floats({2}, {0, 1}))      // bias
                         .input(floats({2}, {1, 3}))      // mean
                         .input(floats({2}, {4, 0.25f}))  // variance
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 2, 1, 2}), std::vector<float>({0, 0.5f, 1, 5}), 1e-6f);
}

TEST(ReferenceBatchNormalization, DefaultEpsilonIsAddedToVariance) {
    const Tensor y = OpTester("BatchNormalization")
                         .input(floats({2, 1}, {3, -1}))
                         .input(floats({1}, {1}))
                         .input(floats({1}, {0}))
                         .input(floats({1}, {1}))
                         .input(floats({1}, {1.0f - 1e-5f}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 1}), std::vector<float>({2, -2}), 1e-5f);
}

TEST(ReferenceBatchNormalization, TrainingModeIsRejected) {
    OpTester op("BatchNormalization");
    op.attr("training_mode", int64_t{1});
    for (int i = 0; i < 5; ++i) op.input(floats({1}, {1}));
    EXPECT_THROW(op.run(), Error);
}

TEST(ReferenceLayerNormalization, LastAxisWithScaleAndBias) {
    const auto out = OpTester("LayerNormalization")
                         .outputs(3)
                         .attr("epsilon", 0.0f)
                         .input(floats({2, 4}, {1, 2, 3, 4, 5, 5, 5, 7}))
                         .input(floats({4}, {1, 1, 2, 2}))
                         .input(floats({4}, {0, 0, 0, 1}))
                         .run_all();
    // Row 0: mean 2.5, variance 1.25. Row 1: mean 5.5, variance 0.75.
    const float s0 = 1.0f / std::sqrt(1.25f), s1 = 1.0f / std::sqrt(0.75f);
    POT_EXPECT_FLOATS(
        out[0], Shape({2, 4}),
        std::vector<float>({-1.5f * s0, -0.5f * s0, 2 * 0.5f * s0, 2 * 1.5f * s0 + 1, -0.5f * s1,
                            -0.5f * s1, 2 * -0.5f * s1, 2 * 1.5f * s1 + 1}),
        1e-5f);
    POT_EXPECT_FLOATS(out[1], Shape({2, 1}), std::vector<float>({2.5f, 5.5f}), 1e-6f);
    POT_EXPECT_FLOATS(out[2], Shape({2, 1}), std::vector<float>({s0, s1}), 1e-5f);
}

TEST(ReferenceLayerNormalization, AxisSpansSeveralDims) {
    // axis 1 of [1,2,2] normalizes all four values together; no bias input.
    const Tensor y = OpTester("LayerNormalization")
                         .attr("axis", int64_t{1})
                         .attr("epsilon", 0.0f)
                         .input(floats({1, 2, 2}, {1, 2, 3, 4}))
                         .input(floats({2, 2}, {1, 1, 1, 1}))
                         .run();
    const float s = 1.0f / std::sqrt(1.25f);
    POT_EXPECT_FLOATS(y, Shape({1, 2, 2}),
                      std::vector<float>({-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s}), 1e-5f);
}

TEST(ReferenceSoftmax, Opset13LastAxis) {
    const Tensor y = OpTester("Softmax").input(floats({2, 3}, {1, 2, 3, 0, 0, 0})).run();
    const float third = 1.0f / 3;
    POT_EXPECT_FLOATS(y, Shape({2, 3}),
                      std::vector<float>({0.0900306f, 0.2447285f, 0.6652410f, third, third, third}),
                      1e-6f);
}

TEST(ReferenceSoftmax, Opset13AxisOneIsASingleDim) {
    const Tensor y = OpTester("Softmax")
                         .attr("axis", int64_t{1})
                         .input(floats({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}))
                         .run();
    const float lo = 0.1192029f, hi = 0.8807971f;  // 1 / (1 + e^2), e^2 / (1 + e^2)
    POT_EXPECT_FLOATS(y, Shape({2, 2, 2}), std::vector<float>({lo, lo, hi, hi, lo, lo, hi, hi}),
                      1e-6f);
}

TEST(ReferenceSoftmax, Opset11CoercesTo2D) {
    // Default axis 1 in opset 11: each batch row of four values is one distribution.
    const Tensor y =
        OpTester("Softmax").opset(11).input(floats({2, 2, 2}, {0, 1, 2, 3, 10, 11, 12, 13})).run();
    const std::vector<float> row = {0.0320586f, 0.0871443f, 0.2368828f, 0.6439143f};
    std::vector<float> expected = row;
    expected.insert(expected.end(), row.begin(), row.end());
    POT_EXPECT_FLOATS(y, Shape({2, 2, 2}), expected, 1e-6f);
}

TEST(ReferenceSoftmax, LargeValuesDoNotOverflow) {
    const Tensor y = OpTester("Softmax").input(floats({2}, {1000, 1000})).run();
    POT_EXPECT_FLOATS(y, Shape({2}), std::vector<float>({0.5f, 0.5f}), 0.0f);
}

TEST(ReferenceReduceMean, AxesAndKeepDims) {
    const Tensor x = floats({2, 3}, {1, 2, 3, 4, 5, 6});
    POT_EXPECT_FLOATS(OpTester("ReduceMean").attr("axes", std::vector<int64_t>{1}).input(x).run(),
                      Shape({2, 1}), std::vector<float>({2, 5}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("ReduceMean")
                          .attr("axes", std::vector<int64_t>{0})
                          .attr("keepdims", int64_t{0})
                          .input(x)
                          .run(),
                      Shape({3}), std::vector<float>({2.5f, 3.5f, 4.5f}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("ReduceMean")
                          .attr("axes", std::vector<int64_t>{-1})
                          .attr("keepdims", int64_t{0})
                          .input(x)
                          .run(),
                      Shape({2}), std::vector<float>({2, 5}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("ReduceMean").input(x).run(), Shape({1, 1}),
                      std::vector<float>({3.5f}), 0.0f);
}

TEST(ReferenceReduceMean, SpatialMeanOfNCHW) {
    const Tensor y = OpTester("ReduceMean")
                         .attr("axes", std::vector<int64_t>{2, 3})
                         .input(floats({1, 2, 1, 2}, {1, 3, 10, 20}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 2, 1, 1}), std::vector<float>({2, 15}), 0.0f);
}

TEST(ReferenceReduceMean, Opset18AxesInput) {
    const Tensor y = OpTester("ReduceMean")
                         .opset(18)
                         .attr("keepdims", int64_t{0})
                         .input(floats({2, 2}, {1, 2, 3, 4}))
                         .input(ints1d({0}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2}), std::vector<float>({2, 3}), 0.0f);
}

}  // namespace
}  // namespace pot::test
