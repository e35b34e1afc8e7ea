#include <algorithm>
#include <limits>

#include "op_tester.hpp"

namespace pot::test {
namespace {

std::vector<float> one_to(int n) {
    std::vector<float> v;
    for (int i = 1; i <= n; ++i) v.push_back(static_cast<float>(i));
    return v;
}

const Tensor kGrid4 = floats({1, 1, 4, 4}, one_to(16));

TEST(ReferenceMaxPool, TwoByTwoStrideTwo) {
    const Tensor y = OpTester("MaxPool")
                         .attr("kernel_shape", std::vector<int64_t>{2, 2})
                         .attr("strides", std::vector<int64_t>{2, 2})
                         .input(kGrid4)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2, 2}), std::vector<float>({6, 8, 14, 16}), 0.0f);
}

TEST(ReferenceMaxPool, CeilModeKeepsPartialWindow) {
    const Tensor y = OpTester("MaxPool")
                         .attr("kernel_shape", std::vector<int64_t>{2, 2})
                         .attr("strides", std::vector<int64_t>{2, 2})
                         .attr("ceil_mode", int64_t{1})
                         .input(floats({1, 1, 5, 5}, one_to(25)))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 3, 3}),
                      std::vector<float>({7, 9, 10, 17, 19, 20, 22, 24, 25}), 0.0f);
}

TEST(ReferenceMaxPool, CeilModeDropsWindowStartingInEndPadding) {
    const Tensor y = OpTester("MaxPool")
                         .attr("kernel_shape", std::vector<int64_t>{2})
                         .attr("strides", std::vector<int64_t>{2})
                         .attr("pads", std::vector<int64_t>{1, 1})
                         .attr("ceil_mode", int64_t{1})
                         .input(floats({1, 1, 5}, {1, 2, 3, 4, 5}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 3}), std::vector<float>({1, 3, 5}), 0.0f);
}

TEST(ReferenceMaxPool, Dilations) {
    const Tensor y = OpTester("MaxPool")
                         .attr("kernel_shape", std::vector<int64_t>{2})
                         .attr("dilations", std::vector<int64_t>{2})
                         .input(floats({1, 1, 7}, {3, 1, 4, 1, 5, 9, 2}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 5}), std::vector<float>({4, 1, 5, 9, 5}), 0.0f);
}

TEST(ReferenceMaxPool, PaddingNeverWinsOverNegativeValues) {
    const Tensor y = OpTester("MaxPool")
                         .attr("kernel_shape", std::vector<int64_t>{2})
                         .attr("pads", std::vector<int64_t>{1, 1})
                         .input(floats({1, 1, 2}, {-1, -2}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 3}), std::vector<float>({-1, -1, -2}), 0.0f);
}

TEST(ReferenceMaxPool, AutoPadSameUpperAndLower) {
    auto run = [](const char* mode) {
        return OpTester("MaxPool")
            .attr("kernel_shape", std::vector<int64_t>{2})
            .attr("strides", std::vector<int64_t>{2})
            .attr("auto_pad", std::string(mode))
            .input(floats({1, 1, 5}, {1, 2, 3, 4, 5}))
            .run();
    };
    POT_EXPECT_FLOATS(run("SAME_UPPER"), Shape({1, 1, 3}), std::vector<float>({2, 4, 5}), 0.0f);
    POT_EXPECT_FLOATS(run("SAME_LOWER"), Shape({1, 1, 3}), std::vector<float>({1, 3, 5}), 0.0f);
}

TEST(ReferenceMaxPool, IndicesOutputIsRejected) {
    OpTester op("MaxPool");
    op.outputs(2).attr("kernel_shape", std::vector<int64_t>{2}).input(floats({1, 1, 2}, {1, 2}));
    EXPECT_THROW(op.run(), Error);
}

TEST(ReferenceAveragePool, TwoByTwoStrideTwo) {
    const Tensor y = OpTester("AveragePool")
                         .attr("kernel_shape", std::vector<int64_t>{2, 2})
                         .attr("strides", std::vector<int64_t>{2, 2})
                         .input(kGrid4)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2, 2}), std::vector<float>({3.5f, 5.5f, 11.5f, 13.5f}), 0.0f);
}

TEST(ReferenceAveragePool, PaddingExcludedByDefault) {
    const Tensor y = OpTester("AveragePool")
                         .attr("kernel_shape", std::vector<int64_t>{3, 3})
                         .attr("strides", std::vector<int64_t>{2, 2})
                         .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                         .input(kGrid4)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2, 2}), std::vector<float>({3.5f, 5, 9.5f, 11}), 1e-6f);
}

TEST(ReferenceAveragePool, CountIncludePadDividesByFullWindow) {
    const Tensor y = OpTester("AveragePool")
                         .attr("kernel_shape", std::vector<int64_t>{3, 3})
                         .attr("strides", std::vector<int64_t>{2, 2})
                         .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                         .attr("count_include_pad", int64_t{1})
                         .input(kGrid4)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2, 2}),
                      std::vector<float>({14.0f / 9, 30.0f / 9, 57.0f / 9, 11}), 1e-6f);
}

TEST(ReferenceAveragePool, CeilModeWindowBeyondPaddingCountsOnlyPaddedTaps) {
    auto run = [](int64_t count_include_pad) {
        return OpTester("AveragePool")
            .attr("kernel_shape", std::vector<int64_t>{3})
            .attr("strides", std::vector<int64_t>{2})
            .attr("pads", std::vector<int64_t>{1, 1})
            .attr("ceil_mode", int64_t{1})
            .attr("count_include_pad", count_include_pad)
            .input(floats({1, 1, 6}, {1, 2, 3, 4, 5, 6}))
            .run();
    };
    // Windows start at -1, 1, 3, 5; the last covers x[5], one pad and one position past the pad.
    POT_EXPECT_FLOATS(run(1), Shape({1, 1, 4}), std::vector<float>({1, 3, 5, 3}), 1e-6f);
    POT_EXPECT_FLOATS(run(0), Shape({1, 1, 4}), std::vector<float>({1.5f, 3, 5, 6}), 1e-6f);
}

TEST(ReferenceAveragePool, CeilModeWithoutPadding) {
    const Tensor y = OpTester("AveragePool")
                         .attr("kernel_shape", std::vector<int64_t>{2})
                         .attr("strides", std::vector<int64_t>{2})
                         .attr("ceil_mode", int64_t{1})
                         .attr("count_include_pad", int64_t{1})
                         .input(floats({1, 1, 5}, {1, 2, 3, 4, 5}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 3}), std::vector<float>({1.5f, 3.5f, 5}), 0.0f);
}

TEST(ReferenceGlobalAveragePool, MeanPerChannel) {
    const Tensor y =
        OpTester("GlobalAveragePool").input(floats({1, 2, 2, 2}, {1, 2, 3, 4, -1, -1, 1, 5})).run();
    POT_EXPECT_FLOATS(y, Shape({1, 2, 1, 1}), std::vector<float>({2.5f, 1}), 0.0f);
}

// Pooling options against a per-element naive loop on random data.
struct PoolCase {
    std::string name;
    std::string op;
    std::vector<int64_t> kernel, strides, pads;
    int64_t count_include_pad;
};

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

Tensor naive_pool(const Tensor& x, const PoolCase& c) {
    const int64_t H = x.dim(2), W = x.dim(3);
    const int64_t oh_n = (H + c.pads[0] + c.pads[2] - c.kernel[0]) / c.strides[0] + 1;
    const int64_t ow_n = (W + c.pads[1] + c.pads[3] - c.kernel[1]) / c.strides[1] + 1;
    Tensor y(DType::F32, {x.dim(0), x.dim(1), oh_n, ow_n});
    float* out = y.data<float>();
    for (int64_t plane = 0; plane < x.dim(0) * x.dim(1); ++plane)
        for (int64_t oh = 0; oh < oh_n; ++oh)
            for (int64_t ow = 0; ow < ow_n; ++ow) {
                std::vector<float> window;
                for (int64_t kh = 0; kh < c.kernel[0]; ++kh)
                    for (int64_t kw = 0; kw < c.kernel[1]; ++kw) {
                        const int64_t h = oh * c.strides[0] - c.pads[0] + kh;
                        const int64_t w = ow * c.strides[1] - c.pads[1] + kw;
                        if (h >= 0 && h < H && w >= 0 && w < W)
                            window.push_back(x.data<float>()[(plane * H + h) * W + w]);
                    }
                if (c.op == "MaxPool") {
                    *out++ = *std::max_element(window.begin(), window.end());
                } else {
                    double sum = 0;
                    for (float v : window) sum += v;
                    const double n = c.count_include_pad ? double(c.kernel[0] * c.kernel[1])
                                                         : double(window.size());
                    *out++ = static_cast<float>(sum / n);
                }
            }
    return y;
}

class PoolVsNaive : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolVsNaive, MatchesWindowLoop) {
    const PoolCase& c = GetParam();
    const Tensor x = random_floats({2, 3, 7, 6}, 21);
    const Tensor y = OpTester(c.op)
                         .attr("kernel_shape", c.kernel)
                         .attr("strides", c.strides)
                         .attr("pads", c.pads)
                         .attr("count_include_pad", c.count_include_pad)
                         .input(x)
                         .run();
    EXPECT_TRUE(tensors_near(y, naive_pool(x, c), 1e-6f));
}

INSTANTIATE_TEST_SUITE_P(
    Reference, PoolVsNaive,
    ::testing::Values(PoolCase{"Max3x3Stride1", "MaxPool", {3, 3}, {1, 1}, {0, 0, 0, 0}, 0},
                      PoolCase{"Max3x2Stride2Padded", "MaxPool", {3, 2}, {2, 2}, {1, 0, 1, 1}, 0},
                      PoolCase{"AvgExcludePad", "AveragePool", {3, 3}, {2, 1}, {1, 1, 1, 1}, 0},
                      PoolCase{"AvgIncludePad", "AveragePool", {3, 3}, {2, 1}, {1, 1, 1, 1}, 1},
                      PoolCase{
                          "AvgAsymmetricPads", "AveragePool", {2, 3}, {1, 2}, {0, 1, 1, 2}, 1}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pot::test
