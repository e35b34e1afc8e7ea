// ConvTranspose on oneDNN's deconvolution, against the reference kernels: strides, padding,
// output_padding, dilation, groups, 1-D and 3-D, a fused Relu, and the forms that stay on the
// reference kernels (output_shape) giving the same numbers. Kernels equal to their strides
// (upsampling by patches) run as matrix products: channels-last or in 16-channel blocks, one
// image or several, square or not, with and without bias, a fused Relu or residual sum.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine_compare.hpp"

namespace pot::test {
namespace {

using Ints = std::vector<int64_t>;

struct DeconvCase {
    std::string name;
    Shape input;   // [N, C_in, spatial...]
    Shape weights; // [C_in, C_out / group, k...]
    std::map<std::string, Attribute> attrs;
    bool bias = true;
    bool relu = false;
    // The step kind the plan must show for it; empty: the reference kernels.
    std::string lowering = "deconvolution";
    // Also in its line of the plan (products by patches: one per 16-channel block, or one
    // channels-last).
    std::string detail = "";
};

std::ostream& operator<<(std::ostream& os, const DeconvCase& c) { return os << c.name; }

class ConvTransposeLowering : public testing::TestWithParam<DeconvCase> {};

TEST_P(ConvTransposeLowering, MatchesReference) {
    const DeconvCase& c = GetParam();
    GraphBuilder g(43);
    const auto x = g.input("x", c.input);
    std::vector<std::string> ins = {x, g.random_constant(c.weights, -0.5f, 0.5f)};
    const int64_t group = c.attrs.count("group") ? std::get<int64_t>(c.attrs.at("group")) : 1;
    if (c.bias) ins.push_back(g.random_constant({c.weights[1] * group}));
    auto y = g.node("ConvTranspose", ins, c.attrs);
    if (c.relu) y = g.node("Relu", {y});
    g.output(y);
    const auto out = run_both(g.graph(), {g.random_tensor(c.input)});
    expect_close(out, 2e-5f);
    if (!c.lowering.empty()) {
        const auto lines = lines_with(out.plan, ": " + c.lowering + (c.relu ? " +Relu" : ""));
        ASSERT_EQ(lines.size(), 1u) << out.plan;
        EXPECT_NE(lines[0].find(c.detail), std::string::npos) << lines[0];
    }
    for (const std::string kind : {"deconvolution", "matmul"}) {
        if (kind != c.lowering) {
            EXPECT_EQ(out.plan.find(": " + kind), std::string::npos) << out.plan;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConvTransposeLowering,
    testing::Values(
        DeconvCase{"unet_upsampling", {1, 8, 6, 6}, {8, 4, 2, 2}, {{"strides", Ints{2, 2}}}, true, false, "matmul", "2x2 patches, 1 product"},
        DeconvCase{"patches_in_channel_blocks", {1, 8, 5, 7}, {8, 32, 2, 2}, {{"strides", Ints{2, 2}}}, true, true, "matmul", "2 products"},
        DeconvCase{"patches_two_images", {2, 8, 3, 3}, {8, 32, 2, 2}, {{"strides", Ints{2, 2}}}, true, false, "matmul", "1 product"},
        DeconvCase{"patches_two_images_one_block", {2, 6, 3, 4}, {6, 16, 2, 2}, {{"strides", Ints{2, 2}}}, true, true, "matmul"},
        DeconvCase{"patches_rectangular_no_bias", {1, 5, 4, 3}, {5, 16, 2, 3}, {{"strides", Ints{2, 3}}}, false, false, "matmul", "2x3 patches"},
        DeconvCase{"patches_stride_one", {1, 4, 3, 3}, {4, 6, 1, 1}, {}, true, false, "matmul"},
        DeconvCase{"kernel_above_stride", {1, 8, 6, 6}, {8, 16, 3, 3}, {{"strides", Ints{2, 2}}}},
        DeconvCase{"patches_grouped", {1, 8, 6, 6}, {8, 16, 2, 2}, {{"strides", Ints{2, 2}}, {"group", int64_t{2}}}},
        DeconvCase{"padded_output_padding", {2, 3, 5, 4}, {3, 5, 3, 3},
                   {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"output_padding", Ints{1, 1}}}},
        DeconvCase{"asymmetric_pads_no_bias", {1, 4, 5, 5}, {4, 2, 3, 3}, {{"pads", Ints{0, 1, 2, 0}}}, false},
        DeconvCase{"dilated", {1, 2, 4, 4}, {2, 3, 3, 3}, {{"dilations", Ints{2, 2}}, {"strides", Ints{1, 2}}}},
        DeconvCase{"grouped_relu", {1, 6, 4, 4}, {6, 2, 3, 3}, {{"group", int64_t{3}}, {"strides", Ints{2, 2}}}, true, true},
        DeconvCase{"one_d_valid", {1, 3, 9}, {3, 4, 4}, {{"strides", Ints{3}}, {"auto_pad", std::string("VALID")}}},
        DeconvCase{"three_d", {1, 2, 3, 4, 4}, {2, 2, 2, 2, 2}, {{"strides", Ints{2, 2, 2}}}},
        DeconvCase{"output_shape_stays_reference", {1, 2, 4, 4}, {2, 2, 3, 3},
                   {{"strides", Ints{2, 2}}, {"output_shape", Ints{7, 7}}}, true, false, ""}),
    [](const testing::TestParamInfo<DeconvCase>& info) { return info.param.name; });

// A residual added after the upsampling is summed by the product into its destination.
TEST(ConvTransposePatches, ResidualSumIsAPostOp) {
    GraphBuilder g(44);
    const auto x = g.input("x", {1, 8, 4, 5});
    const auto skip = g.input("skip", {1, 32, 8, 10});
    const auto up = g.node("ConvTranspose", {x, g.random_constant({8, 32, 2, 2}, -0.5f, 0.5f), g.random_constant({32})},
                           {{"strides", Ints{2, 2}}});
    g.output(g.node("Relu", {g.node("Add", {up, skip})}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 8, 4, 5}), g.random_tensor({1, 32, 8, 10})});
    expect_close(out, 2e-5f);
    EXPECT_NE(out.plan.find(": matmul +sum +Relu"), std::string::npos) << out.plan;
}

}  // namespace
}  // namespace pot::test
