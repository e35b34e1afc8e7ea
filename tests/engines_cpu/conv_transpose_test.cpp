// ConvTranspose on oneDNN's deconvolution, against the reference kernels: strides, padding,
// output_padding, dilation, groups, 1-D and 3-D, a fused Relu, and the forms that stay on the
// reference kernels (output_shape) giving the same numbers.
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
    bool on_onednn = true;
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
    if (c.on_onednn)
        EXPECT_NE(out.plan.find(": deconvolution" + std::string(c.relu ? " +Relu" : "")), std::string::npos) << out.plan;
    else
        EXPECT_EQ(out.plan.find(": deconvolution"), std::string::npos) << out.plan;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConvTransposeLowering,
    testing::Values(
        DeconvCase{"unet_upsampling", {1, 8, 6, 6}, {8, 4, 2, 2}, {{"strides", Ints{2, 2}}}},
        DeconvCase{"padded_output_padding", {2, 3, 5, 4}, {3, 5, 3, 3},
                   {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"output_padding", Ints{1, 1}}}},
        DeconvCase{"asymmetric_pads_no_bias", {1, 4, 5, 5}, {4, 2, 3, 3}, {{"pads", Ints{0, 1, 2, 0}}}, false},
        DeconvCase{"dilated", {1, 2, 4, 4}, {2, 3, 3, 3}, {{"dilations", Ints{2, 2}}, {"strides", Ints{1, 2}}}},
        DeconvCase{"grouped_relu", {1, 6, 4, 4}, {6, 2, 3, 3}, {{"group", int64_t{3}}, {"strides", Ints{2, 2}}}, true, true},
        DeconvCase{"one_d_valid", {1, 3, 9}, {3, 4, 4}, {{"strides", Ints{3}}, {"auto_pad", std::string("VALID")}}},
        DeconvCase{"three_d", {1, 2, 3, 4, 4}, {2, 2, 2, 2, 2}, {{"strides", Ints{2, 2, 2}}}},
        DeconvCase{"output_shape_stays_reference", {1, 2, 4, 4}, {2, 2, 3, 3},
                   {{"strides", Ints{2, 2}}, {"output_shape", Ints{7, 7}}}, true, false, false}),
    [](const testing::TestParamInfo<DeconvCase>& info) { return info.param.name; });

}  // namespace
}  // namespace pot::test
