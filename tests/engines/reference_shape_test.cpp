#include "op_tester.hpp"

namespace pot::test {
namespace {

const Tensor kData = floats({2, 3, 4}, std::vector<float>(24, 1.0f));

TEST(ReferenceReshape, ZeroCopiesAndMinusOneInfers) {
    const Tensor y = OpTester("Reshape").input(kData).input(ints1d({0, -1})).run();
    EXPECT_EQ(y.shape(), Shape({2, 12}));
}

TEST(ReferenceReshape, AllowZeroKeepsAZeroDim) {
    const Tensor empty(DType::F32, {0, 3});
    const Tensor y =
        OpTester("Reshape").attr("allowzero", int64_t{1}).input(empty).input(ints1d({3, 0})).run();
    EXPECT_EQ(y.shape(), Shape({3, 0}));
}

TEST(ReferenceReshape, KeepsValuesInOrder) {
    const Tensor y =
        OpTester("Reshape").input(floats({2, 2}, {1, 2, 3, 4})).input(ints1d({4})).run();
    POT_EXPECT_FLOATS(y, Shape({4}), std::vector<float>({1, 2, 3, 4}), 0.0f);
}

TEST(ReferenceReshape, WrongElementCountIsAnError) {
    EXPECT_THROW(OpTester("Reshape").input(kData).input(ints1d({5, -1})).run(), Error);
}

TEST(ReferenceFlatten, DefaultAxisNegativeAxisAndZero) {
    EXPECT_EQ(OpTester("Flatten").input(kData).run().shape(), Shape({2, 12}));
    EXPECT_EQ(OpTester("Flatten").attr("axis", int64_t{-1}).input(kData).run().shape(),
              Shape({6, 4}));
    EXPECT_EQ(OpTester("Flatten").attr("axis", int64_t{0}).input(kData).run().shape(),
              Shape({1, 24}));
    EXPECT_EQ(OpTester("Flatten").attr("axis", int64_t{3}).input(kData).run().shape(),
              Shape({24, 1}));
}

TEST(ReferenceSqueeze, AllUnitDimsOrListedAxes) {
    const Tensor x(DType::F32, {1, 3, 1, 2});
    EXPECT_EQ(OpTester("Squeeze").input(x).run().shape(), Shape({3, 2}));
    EXPECT_EQ(OpTester("Squeeze").input(x).input(ints1d({-2})).run().shape(), Shape({1, 3, 2}));
    EXPECT_EQ(
        OpTester("Squeeze").opset(11).attr("axes", std::vector<int64_t>{0}).input(x).run().shape(),
        Shape({3, 1, 2}));
    EXPECT_THROW(OpTester("Squeeze").input(x).input(ints1d({1})).run(), Error);
}

TEST(ReferenceUnsqueeze, AxesInputAndAttribute) {
    const Tensor x = floats({3}, {1, 2, 3});
    const Tensor y = OpTester("Unsqueeze").input(x).input(ints1d({0, -1})).run();
    POT_EXPECT_FLOATS(y, Shape({1, 3, 1}), std::vector<float>({1, 2, 3}), 0.0f);
    EXPECT_EQ(OpTester("Unsqueeze")
                  .opset(11)
                  .attr("axes", std::vector<int64_t>{1})
                  .input(x)
                  .run()
                  .shape(),
              Shape({3, 1}));
    POT_EXPECT_INTS(OpTester("Unsqueeze").input(ints({}, {7})).input(ints1d({0})).run(), Shape({1}),
                    std::vector<int64_t>({7}));
}

TEST(ReferenceShape, WholeShapeAndOpset15Slice) {
    POT_EXPECT_INTS(OpTester("Shape").input(kData).run(), Shape({3}),
                    std::vector<int64_t>({2, 3, 4}));
    POT_EXPECT_INTS(OpTester("Shape").attr("start", int64_t{1}).input(kData).run(), Shape({2}),
                    std::vector<int64_t>({3, 4}));
    POT_EXPECT_INTS(
        OpTester("Shape").attr("start", int64_t{-2}).attr("end", int64_t{-1}).input(kData).run(),
        Shape({1}), std::vector<int64_t>({3}));
}

TEST(ReferenceConstant, EveryValueAttribute) {
    POT_EXPECT_FLOATS(OpTester("Constant").attr("value", floats({2}, {1, 2})).run(), Shape({2}),
                      std::vector<float>({1, 2}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Constant").attr("value_float", 2.5f).run(), Shape({}),
                      std::vector<float>({2.5f}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Constant").attr("value_floats", std::vector<float>{1, 2, 3}).run(),
                      Shape({3}), std::vector<float>({1, 2, 3}), 0.0f);
    POT_EXPECT_INTS(OpTester("Constant").attr("value_int", int64_t{-4}).run(), Shape({}),
                    std::vector<int64_t>({-4}));
    POT_EXPECT_INTS(OpTester("Constant").attr("value_ints", std::vector<int64_t>{5, 6}).run(),
                    Shape({2}), std::vector<int64_t>({5, 6}));
}

TEST(ReferenceConstant, MissingValueIsAnError) {
    EXPECT_THROW(reference::check_node(OpTester("Constant").node(), 13), Error);
}

TEST(ReferenceConstantOfShape, FillsTheShapeWithTheValue) {
    POT_EXPECT_FLOATS(OpTester("ConstantOfShape").input(ints1d({2, 1})).run(), Shape({2, 1}),
                      std::vector<float>({0, 0}), 0.0f);
    const Tensor sevens =
        OpTester("ConstantOfShape").attr("value", ints({1}, {7})).input(ints1d({3})).run();
    POT_EXPECT_INTS(sevens, Shape({3}), std::vector<int64_t>({7, 7, 7}));
    POT_EXPECT_INTS(OpTester("ConstantOfShape").attr("value", ints({1}, {7})).input(ints({0}, {})).run(),
                    Shape({}), std::vector<int64_t>({7}));
}

TEST(ReferenceConstantOfShape, NegativeDimensionIsAnError) {
    EXPECT_THROW(OpTester("ConstantOfShape").input(ints1d({2, -1})).run(), Error);
}

TEST(ReferenceCast, FloatToIntTruncatesAndBack) {
    const Tensor to_int =
        OpTester("Cast").attr("to", int64_t{7}).input(floats({3}, {2.9f, -2.9f, 0})).run();
    EXPECT_EQ(to_int.dtype(), DType::I64);
    POT_EXPECT_INTS(to_int, Shape({3}), std::vector<int64_t>({2, -2, 0}));
    const Tensor to_float = OpTester("Cast").attr("to", int64_t{1}).input(ints1d({3, -1})).run();
    POT_EXPECT_FLOATS(to_float, Shape({2}), std::vector<float>({3, -1}), 0.0f);
    EXPECT_EQ(OpTester("Cast").attr("to", int64_t{3}).input(ints1d({1})).run().dtype(), DType::I8);
}

TEST(ReferenceCast, UnsupportedTargetTypeIsRejected) {
    OpTester op("Cast");
    op.attr("to", int64_t{10});  // float16
    EXPECT_THROW(reference::check_node(op.node(), 13), Error);
}

TEST(ReferenceShapeChain, ShapeGatherUnsqueezeConcatReshapeFlattensDynamicBatch) {
    // The common exporter pattern: reshape x to [batch, -1] using x's own runtime shape.
    const Tensor x = random_floats({3, 2, 2}, 8);
    const Tensor shape = OpTester("Shape").input(x).run();
    const Tensor batch = OpTester("Gather").input(shape).input(ints({}, {0})).run();
    const Tensor batch1d = OpTester("Unsqueeze").input(batch).input(ints1d({0})).run();
    const Tensor target =
        OpTester("Concat").attr("axis", int64_t{0}).input(batch1d).input(ints1d({-1})).run();
    POT_EXPECT_INTS(target, Shape({2}), std::vector<int64_t>({3, -1}));
    const Tensor y = OpTester("Reshape").input(x).input(target).run();
    EXPECT_TRUE(tensors_near(y, x.reshaped({3, 4}), 0.0f));
}

}  // namespace
}  // namespace pot::test
