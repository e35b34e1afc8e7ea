#include <limits>

#include "op_tester.hpp"

namespace pot::test {
namespace {

const Tensor kMatrix = floats({2, 3}, {1, 2, 3, 4, 5, 6});

TEST(ReferenceConcat, AlongLastAndFirstAxis) {
    POT_EXPECT_FLOATS(OpTester("Concat")
                          .attr("axis", int64_t{-1})
                          .input(kMatrix)
                          .input(floats({2, 1}, {7, 8}))
                          .run(),
                      Shape({2, 4}), std::vector<float>({1, 2, 3, 7, 4, 5, 6, 8}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Concat")
                          .attr("axis", int64_t{0})
                          .input(kMatrix)
                          .input(floats({1, 3}, {7, 8, 9}))
                          .run(),
                      Shape({3, 3}), std::vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}), 0.0f);
}

TEST(ReferenceConcat, Int64ShapeVectors) {
    POT_EXPECT_INTS(
        OpTester("Concat").attr("axis", int64_t{0}).input(ints1d({-1})).input(ints1d({4, 5})).run(),
        Shape({3}), std::vector<int64_t>({-1, 4, 5}));
}

TEST(ReferenceConcat, MismatchedDimsAreAnError) {
    EXPECT_THROW(OpTester("Concat")
                     .attr("axis", int64_t{0})
                     .input(kMatrix)
                     .input(floats({1, 2}, {1, 2}))
                     .run(),
                 Error);
}

TEST(ReferenceSplit, EqualPartsFromOutputCount) {
    const auto out = OpTester("Split").outputs(3).attr("axis", int64_t{1}).input(kMatrix).run_all();
    POT_EXPECT_FLOATS(out[0], Shape({2, 1}), std::vector<float>({1, 4}), 0.0f);
    POT_EXPECT_FLOATS(out[1], Shape({2, 1}), std::vector<float>({2, 5}), 0.0f);
    POT_EXPECT_FLOATS(out[2], Shape({2, 1}), std::vector<float>({3, 6}), 0.0f);
}

TEST(ReferenceSplit, SizesAsAttributeBeforeOpset13AndInputAfter) {
    const auto by_attr = OpTester("Split")
                             .opset(11)
                             .outputs(2)
                             .attr("axis", int64_t{1})
                             .attr("split", std::vector<int64_t>{2, 1})
                             .input(kMatrix)
                             .run_all();
    POT_EXPECT_FLOATS(by_attr[0], Shape({2, 2}), std::vector<float>({1, 2, 4, 5}), 0.0f);
    POT_EXPECT_FLOATS(by_attr[1], Shape({2, 1}), std::vector<float>({3, 6}), 0.0f);
    const auto by_input = OpTester("Split")
                              .outputs(2)
                              .attr("axis", int64_t{-1})
                              .input(kMatrix)
                              .input(ints1d({1, 2}))
                              .run_all();
    POT_EXPECT_FLOATS(by_input[0], Shape({2, 1}), std::vector<float>({1, 4}), 0.0f);
    POT_EXPECT_FLOATS(by_input[1], Shape({2, 2}), std::vector<float>({2, 3, 5, 6}), 0.0f);
}

TEST(ReferenceSplit, SizesThatDoNotAddUpAreAnError) {
    EXPECT_THROW(OpTester("Split").outputs(2).input(kMatrix).input(ints1d({1, 2})).run(), Error);
}

TEST(ReferenceTranspose, DefaultReversesDims) {
    POT_EXPECT_FLOATS(OpTester("Transpose").input(kMatrix).run(), Shape({3, 2}),
                      std::vector<float>({1, 4, 2, 5, 3, 6}), 0.0f);
}

TEST(ReferenceTranspose, PermutationOf3D) {
    const Tensor x = random_floats({2, 3, 4}, 3);
    const Tensor y =
        OpTester("Transpose").attr("perm", std::vector<int64_t>{1, 2, 0}).input(x).run();
    ASSERT_EQ(y.shape(), Shape({3, 4, 2}));
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k)
                EXPECT_EQ(y.data<float>()[(j * 4 + k) * 2 + i],
                          x.data<float>()[(i * 3 + j) * 4 + k]);
}

TEST(ReferenceTranspose, InvalidPermIsAnError) {
    EXPECT_THROW(
        OpTester("Transpose").attr("perm", std::vector<int64_t>{0, 0}).input(kMatrix).run(), Error);
}

TEST(ReferenceSlice, StartsEndsAxesSteps) {
    // x[:, 2:0:-1] of [[1,2,3],[4,5,6]] -> [[3,2],[6,5]]
    const Tensor y = OpTester("Slice")
                         .input(kMatrix)
                         .input(ints1d({2}))
                         .input(ints1d({0}))
                         .input(ints1d({1}))
                         .input(ints1d({-1}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2}), std::vector<float>({3, 2, 6, 5}), 0.0f);
}

TEST(ReferenceSlice, NegativeAndClampedIndices) {
    const int64_t big = std::numeric_limits<int64_t>::max();
    // x[-1:big] along axis 0, x[-100:-1] along axis 1.
    const Tensor y =
        OpTester("Slice").input(kMatrix).input(ints1d({-1, -100})).input(ints1d({big, -1})).run();
    POT_EXPECT_FLOATS(y, Shape({1, 2}), std::vector<float>({4, 5}), 0.0f);
}

TEST(ReferenceSlice, StepTwoAndEmptyResult) {
    const Tensor x = floats({6}, {0, 1, 2, 3, 4, 5});
    POT_EXPECT_FLOATS(OpTester("Slice")
                          .input(x)
                          .input(ints1d({1}))
                          .input(ints1d({6}))
                          .input(ints1d({0}))
                          .input(ints1d({2}))
                          .run(),
                      Shape({3}), std::vector<float>({1, 3, 5}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Slice").input(x).input(ints1d({4})).input(ints1d({2})).run(),
                      Shape({0}), std::vector<float>({}), 0.0f);
    // Reverse everything: start -1, end -big, step -1.
    POT_EXPECT_FLOATS(OpTester("Slice")
                          .input(x)
                          .input(ints1d({-1}))
                          .input(ints1d({std::numeric_limits<int64_t>::min()}))
                          .input(ints1d({0}))
                          .input(ints1d({-1}))
                          .run(),
                      Shape({6}), std::vector<float>({5, 4, 3, 2, 1, 0}), 0.0f);
}

TEST(ReferenceSlice, Opset9Attributes) {
    const Tensor y = OpTester("Slice")
                         .opset(9)
                         .attr("starts", std::vector<int64_t>{1})
                         .attr("ends", std::vector<int64_t>{3})
                         .attr("axes", std::vector<int64_t>{1})
                         .input(kMatrix)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2}), std::vector<float>({2, 3, 5, 6}), 0.0f);
}

TEST(ReferenceSlice, Int64ShapeSlice) {
    POT_EXPECT_INTS(
        OpTester("Slice").input(ints1d({8, 3, 28, 28})).input(ints1d({0})).input(ints1d({1})).run(),
        Shape({1}), std::vector<int64_t>({8}));
}

TEST(ReferenceGather, Axis0ScalarIndexDropsTheDim) {
    POT_EXPECT_FLOATS(OpTester("Gather").input(kMatrix).input(ints({}, {1})).run(), Shape({3}),
                      std::vector<float>({4, 5, 6}), 0.0f);
}

TEST(ReferenceGather, Axis1WithNegativeAndRepeatedIndices) {
    const Tensor y = OpTester("Gather")
                         .attr("axis", int64_t{1})
                         .input(kMatrix)
                         .input(ints({2, 2}, {-1, 0, 1, 1}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2, 2}), std::vector<float>({3, 1, 2, 2, 6, 4, 5, 5}), 0.0f);
}

TEST(ReferenceGather, Int32IndicesOnInt64Data) {
    const Tensor idx = Tensor::from_vector<int32_t>({1}, {2});
    POT_EXPECT_INTS(OpTester("Gather").input(ints1d({1, 3, 28})).input(idx).run(), Shape({1}),
                    std::vector<int64_t>({28}));
}

TEST(ReferenceGather, OutOfRangeIndexIsAnError) {
    EXPECT_THROW(OpTester("Gather").input(kMatrix).input(ints1d({2})).run(), Error);
}

TEST(ReferencePad, ConstantWithValueInput) {
    const Tensor y = OpTester("Pad")
                         .input(floats({1, 2}, {1, 2}))
                         .input(ints1d({0, 1, 1, 0}))
                         .input(Tensor::scalar(9))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 3}), std::vector<float>({9, 1, 2, 9, 9, 9}), 0.0f);
}

TEST(ReferencePad, ReflectAndEdge) {
    const Tensor x = floats({1, 3}, {1, 2, 3});
    POT_EXPECT_FLOATS(OpTester("Pad")
                          .attr("mode", std::string("reflect"))
                          .input(x)
                          .input(ints1d({0, 2, 0, 2}))
                          .run(),
                      Shape({1, 7}), std::vector<float>({3, 2, 1, 2, 3, 2, 1}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Pad")
                          .attr("mode", std::string("edge"))
                          .input(x)
                          .input(ints1d({0, 2, 0, 1}))
                          .run(),
                      Shape({1, 6}), std::vector<float>({1, 1, 1, 2, 3, 3}), 0.0f);
}

TEST(ReferencePad, NegativePadsCrop) {
    const Tensor y = OpTester("Pad").input(kMatrix).input(ints1d({0, -1, 0, 1})).run();
    POT_EXPECT_FLOATS(y, Shape({2, 3}), std::vector<float>({2, 3, 0, 5, 6, 0}), 0.0f);
}

TEST(ReferencePad, Opset2AttributesOnNCHW) {
    const Tensor y = OpTester("Pad")
                         .opset(9)
                         .attr("pads", std::vector<int64_t>{0, 0, 1, 0, 0, 0, 0, 1})
                         .attr("value", 0.5f)
                         .input(floats({1, 1, 1, 1}, {7}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2, 2}), std::vector<float>({0.5f, 0.5f, 7, 0.5f}), 0.0f);
}

TEST(ReferencePad, WrapModeIsRejected) {
    OpTester op("Pad");
    op.attr("mode", std::string("wrap"));
    EXPECT_THROW(reference::check_node(op.node(), 19), Error);
}

}  // namespace
}  // namespace pot::test
