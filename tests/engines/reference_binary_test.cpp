#include <cmath>
#include <limits>

#include "op_tester.hpp"

namespace pot::test {
namespace {

TEST(ReferenceBinary, AddSameShape) {
    const Tensor y = OpTester("Add")
                         .input(floats({2, 2}, {1, 2, 3, 4}))
                         .input(floats({2, 2}, {10, 20, 30, 40}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2}), std::vector<float>({11, 22, 33, 44}), 0.0f);
}

TEST(ReferenceBinary, AddBroadcastsTrailingVector) {
    const Tensor y = OpTester("Add")
                         .input(floats({2, 3}, {0, 1, 2, 3, 4, 5}))
                         .input(floats({3}, {10, 20, 30}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 3}), std::vector<float>({10, 21, 32, 13, 24, 35}), 0.0f);
}

TEST(ReferenceBinary, MulBroadcastsBothWays) {
    // [2,1] x [1,3] -> outer product.
    const Tensor y =
        OpTester("Mul").input(floats({2, 1}, {2, 3})).input(floats({1, 3}, {1, 10, 100})).run();
    POT_EXPECT_FLOATS(y, Shape({2, 3}), std::vector<float>({2, 20, 200, 3, 30, 300}), 0.0f);
}

TEST(ReferenceBinary, SubBroadcastsToHigherRank) {
    const Tensor a = random_floats({2, 3, 1}, 1);
    const Tensor b = random_floats({1, 4}, 2);
    const Tensor y = OpTester("Sub").input(a).input(b).run();
    std::vector<float> expected;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k)
                expected.push_back(a.data<float>()[i * 3 + j] - b.data<float>()[k]);
    POT_EXPECT_FLOATS(y, Shape({2, 3, 4}), expected, 0.0f);
}

TEST(ReferenceBinary, DivByScalar) {
    const Tensor y =
        OpTester("Div").input(floats({3}, {1, -4, 9})).input(Tensor::scalar(2.0f)).run();
    POT_EXPECT_FLOATS(y, Shape({3}), std::vector<float>({0.5f, -2, 4.5f}), 0.0f);
}

TEST(ReferenceBinary, ScalarMinusTensor) {
    const Tensor y =
        OpTester("Sub").input(Tensor::scalar(1.0f)).input(floats({1, 2}, {0.25f, 3})).run();
    POT_EXPECT_FLOATS(y, Shape({1, 2}), std::vector<float>({0.75f, -2}), 0.0f);
}

TEST(ReferenceBinary, PowWithFloatAndIntegerExponents) {
    POT_EXPECT_FLOATS(
        OpTester("Pow").input(floats({3}, {2, 9, 4})).input(floats({3}, {3, 0.5f, -1})).run(),
        Shape({3}), std::vector<float>({8, 3, 0.25f}), 1e-6f);
    POT_EXPECT_FLOATS(
        OpTester("Pow").input(floats({2, 2}, {1, 2, 3, 4})).input(ints({}, {2})).run(),
        Shape({2, 2}), std::vector<float>({1, 4, 9, 16}), 0.0f);
}

TEST(ReferenceBinary, IntegerArithmeticForShapeMath) {
    POT_EXPECT_INTS(OpTester("Mul").input(ints1d({2, 3})).input(ints({}, {4})).run(), Shape({2}),
                    std::vector<int64_t>({8, 12}));
    POT_EXPECT_INTS(OpTester("Div").input(ints1d({7, -7})).input(ints1d({2, 2})).run(), Shape({2}),
                    std::vector<int64_t>({3, -3}));
    POT_EXPECT_INTS(OpTester("Add").input(ints1d({1})).input(ints1d({-5})).run(), Shape({1}),
                    std::vector<int64_t>({-4}));
}

TEST(ReferenceBinary, IntegerOverflowWrapsAround) {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    POT_EXPECT_INTS(OpTester("Add").input(ints1d({kMax})).input(ints1d({1})).run(), Shape({1}),
                    std::vector<int64_t>({kMin}));
    POT_EXPECT_INTS(OpTester("Sub").input(ints1d({kMin})).input(ints1d({1})).run(), Shape({1}),
                    std::vector<int64_t>({kMax}));
    const Tensor product = OpTester("Mul")
                               .input(Tensor::from_vector<int32_t>({1}, {65536}))
                               .input(Tensor::from_vector<int32_t>({1}, {65536}))
                               .run();
    EXPECT_EQ(product.to_ints(), std::vector<int64_t>({0}));
}

TEST(ReferenceBinary, IntegerDivisionThatOverflowsIsAnError) {
    const int64_t min = std::numeric_limits<int64_t>::min();
    EXPECT_THROW(OpTester("Div").input(ints1d({min})).input(ints1d({-1})).run(), Error);
    EXPECT_THROW(OpTester("Div").input(ints1d({1})).input(ints1d({0})).run(), Error);
}

TEST(ReferenceBinary, IncompatibleShapesNameBoth) {
    try {
        OpTester("Add")
            .input(floats({2, 3}, std::vector<float>(6)))
            .input(floats({2}, {1, 2}))
            .run();
        FAIL() << "expected an error";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("[2,3]"), std::string::npos) << msg;
        EXPECT_NE(msg.find("[2]"), std::string::npos) << msg;
        EXPECT_NE(msg.find("Add 'node'"), std::string::npos) << msg;
    }
}

TEST(ReferenceBinary, MixedTypesAreRejected) {
    EXPECT_THROW(OpTester("Add").input(floats({1}, {1})).input(ints1d({1})).run(), Error);
}

TEST(ReferencePRelu, SlopePerChannelBroadcastsOverSpatialDims) {
    // x [1,2,1,2], slope [2,1,1]: channel 0 slope 0.1, channel 1 slope 2.
    const Tensor y = OpTester("PRelu")
                         .input(floats({1, 2, 1, 2}, {-1, 1, -3, 4}))
                         .input(floats({2, 1, 1}, {0.1f, 2}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 2, 1, 2}), std::vector<float>({-0.1f, 1, -6, 4}), 1e-7f);
}

TEST(ReferencePRelu, ScalarSlope) {
    const Tensor y =
        OpTester("PRelu").input(floats({3}, {-2, 0, 2})).input(floats({1}, {0.25f})).run();
    POT_EXPECT_FLOATS(y, Shape({3}), std::vector<float>({-0.5f, 0, 2}), 0.0f);
}

}  // namespace
}  // namespace pot::test
