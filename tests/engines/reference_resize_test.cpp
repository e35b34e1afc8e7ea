#include "op_tester.hpp"

namespace pot::test {
namespace {

// Resize-13 with (X, roi omitted, scales) or (X, roi omitted, scales omitted, sizes).
OpTester resize_scales(const Tensor& x, std::vector<float> scales) {
    OpTester op("Resize");
    op.input(x).omitted().input(floats({4}, std::move(scales)));
    return op;
}

OpTester resize_sizes(const Tensor& x, std::vector<int64_t> sizes) {
    OpTester op("Resize");
    op.input(x).omitted().omitted().input(ints1d(std::move(sizes)));
    return op;
}

TEST(ReferenceResize, NearestAsymmetricFloorUpsamplesBlocks) {
    const Tensor y = resize_scales(floats({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1, 2, 2})
                         .attr("coordinate_transformation_mode", std::string("asymmetric"))
                         .attr("nearest_mode", std::string("floor"))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 4, 4}),
                      std::vector<float>({1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}), 0.0f);
}

struct NearestModeCase {
    std::string mode;
    std::vector<float> expected;
};

void PrintTo(const NearestModeCase& c, std::ostream* os) { *os << c.mode; }

class ResizeNearestMode : public ::testing::TestWithParam<NearestModeCase> {};

TEST_P(ResizeNearestMode, RoundsQuarterPositionsAsTheModeSays) {
    // asymmetric x4: output o reads input position o / 4 = 0, .25, .5, .75, 1, 1.25, 1.5, 1.75.
    const Tensor y = resize_scales(floats({1, 1, 1, 2}, {10, 20}), {1, 1, 1, 4})
                         .attr("coordinate_transformation_mode", std::string("asymmetric"))
                         .attr("nearest_mode", GetParam().mode)
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 1, 8}), GetParam().expected, 0.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ResizeNearestMode,
    ::testing::Values(NearestModeCase{"floor", {10, 10, 10, 10, 20, 20, 20, 20}},
                      NearestModeCase{"ceil", {10, 20, 20, 20, 20, 20, 20, 20}},
                      NearestModeCase{"round_prefer_floor", {10, 10, 10, 20, 20, 20, 20, 20}},
                      NearestModeCase{"round_prefer_ceil", {10, 10, 20, 20, 20, 20, 20, 20}}),
    [](const auto& info) { return info.param.mode; });

TEST(ReferenceResize, NearestHalfPixelNonIntegerScale) {
    // Width 3 x 1.5 -> 4; positions (o + .5) / 1.5 - .5 = -.17, .5, 1.17, 1.83; .5 rounds down.
    const Tensor y = resize_scales(floats({1, 1, 1, 3}, {1, 2, 3}), {1, 1, 1, 1.5f}).run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 1, 4}), std::vector<float>({1, 1, 2, 3}), 0.0f);
}

struct LinearModeCase {
    std::string mode;
    std::vector<float> widen;   // [0, 10] resized to width 4
    std::vector<float> shrink;  // [0, 10] resized to width 1
};

void PrintTo(const LinearModeCase& c, std::ostream* os) { *os << c.mode; }

class ResizeLinearMode : public ::testing::TestWithParam<LinearModeCase> {};

TEST_P(ResizeLinearMode, InterpolatesAtTheModesCoordinates) {
    const Tensor x = floats({1, 1, 1, 2}, {0, 10});
    auto run = [&](int64_t width) {
        return resize_sizes(x, {1, 1, 1, width})
            .attr("mode", std::string("linear"))
            .attr("coordinate_transformation_mode", GetParam().mode)
            .run();
    };
    POT_EXPECT_FLOATS(run(4), Shape({1, 1, 1, 4}), GetParam().widen, 1e-5f);
    POT_EXPECT_FLOATS(run(1), Shape({1, 1, 1, 1}), GetParam().shrink, 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ResizeLinearMode,
    ::testing::Values(LinearModeCase{"half_pixel", {0, 2.5f, 7.5f, 10}, {5}},
                      LinearModeCase{"pytorch_half_pixel", {0, 2.5f, 7.5f, 10}, {0}},
                      LinearModeCase{"align_corners", {0, 10.0f / 3, 20.0f / 3, 10}, {0}},
                      LinearModeCase{"asymmetric", {0, 5, 10, 10}, {0}}),
    [](const auto& info) { return info.param.mode; });

TEST(ReferenceResize, BilinearAlignCornersIn2D) {
    const Tensor y = resize_sizes(floats({1, 1, 2, 2}, {0, 10, 20, 30}), {1, 1, 3, 3})
                         .attr("mode", std::string("linear"))
                         .attr("coordinate_transformation_mode", std::string("align_corners"))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 1, 3, 3}),
                      std::vector<float>({0, 5, 10, 10, 15, 20, 20, 25, 30}), 1e-5f);
}

TEST(ReferenceResize, BilinearHalfPixelEveryChannel) {
    // Two channels, upsampled x2 in H only: rows at positions -.25, .25, .75, 1.25.
    const Tensor y = resize_scales(floats({1, 2, 2, 1}, {0, 4, 1, 1}), {1, 1, 2, 1})
                         .attr("mode", std::string("linear"))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({1, 2, 4, 1}), std::vector<float>({0, 1, 3, 4, 1, 1, 1, 1}), 1e-6f);
}

TEST(ReferenceResize, Opset10UsesAsymmetricCoordinates) {
    OpTester up("Resize");
    up.opset(10).input(floats({1, 1, 1, 2}, {1, 2})).input(floats({4}, {1, 1, 1, 2}));
    POT_EXPECT_FLOATS(up.run(), Shape({1, 1, 1, 4}), std::vector<float>({1, 1, 2, 2}), 0.0f);
    OpTester down("Resize");
    down.opset(10).input(floats({1, 1, 1, 4}, {1, 2, 3, 4})).input(floats({4}, {1, 1, 1, 0.5f}));
    POT_EXPECT_FLOATS(down.run(), Shape({1, 1, 1, 2}), std::vector<float>({1, 3}), 0.0f);
}

TEST(ReferenceResize, ResizingChannelsIsRejected) {
    EXPECT_THROW(resize_scales(floats({1, 1, 1, 1}, {1}), {1, 2, 1, 1}).run(), Error);
}

TEST(ReferenceResize, CubicModeIsRejectedBeforeRunning) {
    OpTester op("Resize");
    op.attr("mode", std::string("cubic"));
    try {
        reference::check_node(op.node(), 13);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cubic"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace pot::test
