#include "op_tester.hpp"

namespace pot::test {
namespace {

const Tensor kA = floats({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor kB = floats({3, 2}, {7, 8, 9, 10, 11, 12});
// kA * kB = [[58, 64], [139, 154]]

Tensor transposed(const Tensor& m) {
    Tensor t(DType::F32, {m.dim(1), m.dim(0)});
    for (int64_t i = 0; i < m.dim(0); ++i)
        for (int64_t j = 0; j < m.dim(1); ++j)
            t.data<float>()[j * m.dim(0) + i] = m.data<float>()[i * m.dim(1) + j];
    return t;
}

TEST(ReferenceGemm, AlphaBetaAndRowBroadcastC) {
    const Tensor y = OpTester("Gemm")
                         .attr("alpha", 2.0f)
                         .attr("beta", 0.5f)
                         .input(kA)
                         .input(kB)
                         .input(floats({2}, {10, 20}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2}), std::vector<float>({121, 138, 283, 318}), 0.0f);
}

TEST(ReferenceGemm, ColumnAndScalarC) {
    POT_EXPECT_FLOATS(OpTester("Gemm").input(kA).input(kB).input(floats({2, 1}, {1, 2})).run(),
                      Shape({2, 2}), std::vector<float>({59, 65, 141, 156}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Gemm").input(kA).input(kB).input(Tensor::scalar(-8)).run(),
                      Shape({2, 2}), std::vector<float>({50, 56, 131, 146}), 0.0f);
}

TEST(ReferenceGemm, WithoutC) {
    POT_EXPECT_FLOATS(OpTester("Gemm").input(kA).input(kB).run(), Shape({2, 2}),
                      std::vector<float>({58, 64, 139, 154}), 0.0f);
}

class GemmTranspose : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(GemmTranspose, SameProductWhateverTheStorage) {
    const auto [trans_a, trans_b] = GetParam();
    const Tensor y = OpTester("Gemm")
                         .attr("transA", int64_t{trans_a})
                         .attr("transB", int64_t{trans_b})
                         .input(trans_a ? transposed(kA) : kA)
                         .input(trans_b ? transposed(kB) : kB)
                         .input(floats({2, 2}, {1, 2, 3, 4}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({2, 2}), std::vector<float>({59, 66, 142, 158}), 0.0f);
}

INSTANTIATE_TEST_SUITE_P(Reference, GemmTranspose,
                         ::testing::Values(std::pair{false, false}, std::pair{true, false},
                                           std::pair{false, true}, std::pair{true, true}));

TEST(ReferenceGemm, InnerDimensionMismatchIsAnError) {
    EXPECT_THROW(OpTester("Gemm").input(kA).input(kA).run(), Error);
}

TEST(ReferenceMatMul, TwoDimensional) {
    POT_EXPECT_FLOATS(OpTester("MatMul").input(kA).input(kB).run(), Shape({2, 2}),
                      std::vector<float>({58, 64, 139, 154}), 0.0f);
}

TEST(ReferenceMatMul, VectorCasesDropTheAddedDim) {
    POT_EXPECT_FLOATS(OpTester("MatMul").input(floats({3}, {1, 0, -1})).input(kB).run(), Shape({2}),
                      std::vector<float>({-4, -4}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("MatMul").input(kA).input(floats({3}, {1, 1, 1})).run(), Shape({2}),
                      std::vector<float>({6, 15}), 0.0f);
    POT_EXPECT_FLOATS(
        OpTester("MatMul").input(floats({3}, {1, 2, 3})).input(floats({3}, {4, 5, 6})).run(),
        Shape({}), std::vector<float>({32}), 0.0f);
}

// y[b...][i][j] = sum_k a[b..][i][k] * b[b..][k][j] with explicit broadcast of the batch dims.
TEST(ReferenceMatMul, BatchDimsBroadcast) {
    const Tensor a = random_floats({2, 1, 2, 3}, 5);
    const Tensor b = random_floats({3, 3, 4}, 6);
    const Tensor y = OpTester("MatMul").input(a).input(b).run();
    std::vector<float> expected;
    for (int p = 0; p < 2; ++p)
        for (int q = 0; q < 3; ++q)
            for (int i = 0; i < 2; ++i)
                for (int j = 0; j < 4; ++j) {
                    float sum = 0;
                    for (int k = 0; k < 3; ++k)
                        sum += a.data<float>()[(p * 2 + i) * 3 + k] *
                               b.data<float>()[(q * 3 + k) * 4 + j];
                    expected.push_back(sum);
                }
    POT_EXPECT_FLOATS(y, Shape({2, 3, 2, 4}), expected, 1e-6f);
}

TEST(ReferenceMatMul, BatchedTimesMatrix) {
    const Tensor a = floats({2, 1, 2}, {1, 2, 3, 4});
    const Tensor b = floats({2, 2}, {1, 0, 0, -1});
    POT_EXPECT_FLOATS(OpTester("MatMul").input(a).input(b).run(), Shape({2, 1, 2}),
                      std::vector<float>({1, -2, 3, -4}), 0.0f);
}

}  // namespace
}  // namespace pot::test
