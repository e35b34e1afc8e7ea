#include <algorithm>

#include "op_tester.hpp"

namespace pot::test {
namespace {

std::vector<float> iota_floats(int n, float start = 1.0f) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = start + static_cast<float>(i);
    return v;
}

TEST(ReferenceConv, TwoByTwoOnesKernelSumsWindows) {
    const Tensor y = OpTester("Conv")
                         .input(floats({1, 1, 3, 3}, iota_floats(9)))
                         .input(floats({1, 1, 2, 2}, {1, 1, 1, 1}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2, 2}), std::vector<float>({12, 16, 24, 28}), 0.0f);
}

TEST(ReferenceConv, PadsOneWithBiasSumsNeighbourhoods) {
    const Tensor y = OpTester("Conv")
                         .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                         .input(floats({1, 1, 3, 3}, iota_floats(9)))
                         .input(floats({1, 1, 3, 3}, std::vector<float>(9, 1.0f)))
                         .input(floats({1}, {0.5f}))
                         .run();
    POT_EXPECT_FLOATS(
        y, Shape({1, 1, 3, 3}),
        std::vector<float>({12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f}), 0.0f);
}

TEST(ReferenceConv, SameUpperPadsAtTheEndSameLowerAtTheBeginning) {
    auto run = [](const char* mode) {
        return OpTester("Conv")
            .attr("auto_pad", std::string(mode))
            .input(floats({1, 1, 1, 4}, {1, 2, 3, 4}))
            .input(floats({1, 1, 1, 2}, {1, 1}))
            .run();
    };
    POT_EXPECT_FLOATS(run("SAME_UPPER"), Shape({1, 1, 1, 4}), std::vector<float>({3, 5, 7, 4}),
                      0.0f);
    POT_EXPECT_FLOATS(run("SAME_LOWER"), Shape({1, 1, 1, 4}), std::vector<float>({1, 3, 5, 7}),
                      0.0f);
    POT_EXPECT_FLOATS(run("VALID"), Shape({1, 1, 1, 3}), std::vector<float>({3, 5, 7}), 0.0f);
}

TEST(ReferenceConv, OneDimensionalWithStride) {
    const Tensor y = OpTester("Conv")
                         .attr("strides", std::vector<int64_t>{2})
                         .input(floats({1, 1, 5}, {1, 2, 3, 4, 5}))
                         .input(floats({1, 1, 2}, {2, 1}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 2}), std::vector<float>({4, 10}), 0.0f);
}

TEST(ReferenceConv, ThreeDimensional) {
    const Tensor y = OpTester("Conv")
                         .input(floats({1, 1, 2, 2, 2}, iota_floats(8)))
                         .input(floats({1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f)))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 1, 1, 1}), std::vector<float>({36}), 0.0f);
}

TEST(ReferenceConv, WeightChannelsMustMatchInputAndGroup) {
    OpTester op("Conv");
    op.input(floats({1, 4, 3, 3}, std::vector<float>(36)))
        .input(floats({2, 3, 1, 1}, std::vector<float>(6)));
    EXPECT_THROW(op.run(), Error);
}

// Conv parameters for the comparison against a naive per-output-element sum.
struct ConvCase {
    std::string name;
    int64_t batch, channels, height, width, out_channels, kernel_h, kernel_w, group;
    std::vector<int64_t> strides, dilations, pads;  // pads: top, left, bottom, right
    bool bias;
};

void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

// y[n][m][oh][ow] = b[m] + sum over (c, kh, kw) inside the image of x * w, written per output
// element with explicit bounds checks.
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvCase& c) {
    const int64_t eff_h = (c.kernel_h - 1) * c.dilations[0] + 1,
                  eff_w = (c.kernel_w - 1) * c.dilations[1] + 1;
    const int64_t out_h = (c.height + c.pads[0] + c.pads[2] - eff_h) / c.strides[0] + 1;
    const int64_t out_w = (c.width + c.pads[1] + c.pads[3] - eff_w) / c.strides[1] + 1;
    const int64_t cin_per_group = c.channels / c.group, cout_per_group = c.out_channels / c.group;
    Tensor y(DType::F32, {c.batch, c.out_channels, out_h, out_w});
    auto X = [&](int64_t n, int64_t ch, int64_t h, int64_t ww) {
        return x.data<float>()[((n * c.channels + ch) * c.height + h) * c.width + ww];
    };
    auto W = [&](int64_t m, int64_t ch, int64_t kh, int64_t kw) {
        return w.data<float>()[((m * cin_per_group + ch) * c.kernel_h + kh) * c.kernel_w + kw];
    };
    float* out = y.data<float>();
    for (int64_t n = 0; n < c.batch; ++n)
        for (int64_t m = 0; m < c.out_channels; ++m)
            for (int64_t oh = 0; oh < out_h; ++oh)
                for (int64_t ow = 0; ow < out_w; ++ow) {
                    double sum = b ? b->data<float>()[m] : 0.0;
                    const int64_t g = m / cout_per_group;
                    for (int64_t ch = 0; ch < cin_per_group; ++ch)
                        for (int64_t kh = 0; kh < c.kernel_h; ++kh)
                            for (int64_t kw = 0; kw < c.kernel_w; ++kw) {
                                const int64_t h =
                                    oh * c.strides[0] + kh * c.dilations[0] - c.pads[0];
                                const int64_t ww =
                                    ow * c.strides[1] + kw * c.dilations[1] - c.pads[1];
                                if (h < 0 || h >= c.height || ww < 0 || ww >= c.width) continue;
                                sum +=
                                    double{X(n, g * cin_per_group + ch, h, ww)} * W(m, ch, kh, kw);
                            }
                    *out++ = static_cast<float>(sum);
                }
    return y;
}

class ConvVsNaive : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvVsNaive, MatchesPerElementSum) {
    const ConvCase& c = GetParam();
    const Tensor x = random_floats({c.batch, c.channels, c.height, c.width}, 11);
    const Tensor w =
        random_floats({c.out_channels, c.channels / c.group, c.kernel_h, c.kernel_w}, 12);
    const Tensor b = random_floats({c.out_channels}, 13);
    OpTester op("Conv");
    op.attr("group", c.group)
        .attr("strides", c.strides)
        .attr("dilations", c.dilations)
        .attr("pads", c.pads)
        .attr("kernel_shape", std::vector<int64_t>{c.kernel_h, c.kernel_w})
        .input(x)
        .input(w);
    if (c.bias) op.input(b);
    EXPECT_TRUE(tensors_near(op.run(), naive_conv(x, w, c.bias ? &b : nullptr, c), 1e-5f));
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ConvVsNaive,
    ::testing::Values(
        ConvCase{"Plain3x3", 1, 3, 7, 6, 4, 3, 3, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, true},
        ConvCase{"BatchOfTwoNoBias", 2, 2, 5, 5, 3, 3, 3, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, false},
        ConvCase{"AsymmetricPads", 1, 2, 6, 5, 2, 3, 2, 1, {1, 1}, {1, 1}, {1, 0, 2, 1}, true},
        ConvCase{"Strides", 1, 3, 9, 8, 2, 3, 3, 1, {2, 3}, {1, 1}, {1, 1, 1, 1}, true},
        ConvCase{"Dilations", 1, 2, 9, 9, 2, 3, 3, 1, {1, 1}, {2, 3}, {2, 2, 2, 2}, true},
        ConvCase{"Groups", 1, 4, 6, 6, 6, 3, 3, 2, {1, 1}, {1, 1}, {1, 1, 1, 1}, true},
        ConvCase{"Depthwise", 2, 4, 6, 7, 4, 3, 3, 4, {2, 2}, {1, 1}, {1, 1, 1, 1}, true},
        ConvCase{
            "DepthwiseMultiplier", 1, 3, 5, 5, 6, 3, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, false},
        ConvCase{"Pointwise", 1, 5, 4, 4, 3, 1, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, true},
        ConvCase{"KernelLargerThanStrideWithPadding",
                 1,
                 1,
                 4,
                 4,
                 1,
                 5,
                 5,
                 1,
                 {1, 1},
                 {1, 1},
                 {2, 2, 2, 2},
                 true}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pot::test
