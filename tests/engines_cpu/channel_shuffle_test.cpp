// ShuffleNet's units: a channel split (Slice), a branch of convolutions, a concat and a channel
// shuffle (Reshape, Transpose, Reshape). The shuffle runs as one reorder in the layout the concat
// has, and the split copies channel windows in that layout: no value goes to the plain layout
// and back between the convolutions. Results equal the reference engine's, in f32 and in codes.
#include "engine_compare.hpp"

namespace pot::test {
namespace {

using Ints = std::vector<int64_t>;

/// Reshape [1, c, h, w] -> [1, groups, c / groups, h, w] -> Transpose -> Reshape [1, c, h, w].
std::string channel_shuffle(GraphBuilder& g, const std::string& x, int64_t c, int64_t hw, int64_t groups) {
    const auto split = g.node("Reshape", {x, g.constant(Tensor::from_vector<int64_t>({5}, {1, groups, c / groups, hw, hw}))});
    const auto swapped = g.node("Transpose", {split}, {{"perm", Ints{0, 2, 1, 3, 4}}});
    return g.node("Reshape", {swapped, g.constant(Tensor::from_vector<int64_t>({4}, {1, c, hw, hw}))});
}

std::string half(GraphBuilder& g, const std::string& x, int64_t begin, int64_t end) {
    return g.node("Slice", {x, g.constant(Tensor::from_vector<int64_t>({1}, {begin})),
                            g.constant(Tensor::from_vector<int64_t>({1}, {end})),
                            g.constant(Tensor::from_vector<int64_t>({1}, {1}))});
}

/// Two ShuffleNet units of `c` channels at `hw` x `hw`; with `quantized`, FakeQuantize on the
/// inputs of every convolution and of the concats, as the quantizer places them.
Graph shuffle_units(bool quantized, int64_t c, int64_t hw) {
    GraphBuilder g(7);
    const auto q = [&](const std::string& v) { return quantized ? g.fq(v, 0.0f, 4.0f) : v; };
    auto x = g.node("Relu", {g.conv(g.input("x", {1, 8, hw, hw}), 8, c, 1)});
    for (int unit = 0; unit < 2; ++unit) {
        const auto kept = half(g, x, 0, c / 2);
        const auto branch = half(g, x, c / 2, c);
        auto y = g.node("Relu", {g.conv(q(branch), c / 2, c / 2, 1)});
        y = g.conv(q(y), c / 2, c / 2, 3, {}, true, c / 2);
        y = g.node("Relu", {g.conv(q(y), c / 2, c / 2, 1)});
        x = channel_shuffle(g, g.node("Concat", {q(kept), q(y)}, {{"axis", int64_t{1}}}), c, hw, 2);
    }
    g.output(g.node("Relu", {g.conv(q(x), c, 16, 1)}));
    return g.graph();
}

void expect_shuffled_in_place(const std::string& plan) {
    EXPECT_EQ(lines_with(plan, "channel shuffle").size(), 2u) << plan;
    EXPECT_TRUE(lines_with(plan, "transpose").empty()) << "the shuffle ran as its three nodes:\n" << plan;
    // From each concat to the next convolution (shuffle, slices) nothing changes the layout.
    const auto lines = lines_with(plan, "");
    size_t concats = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find("concat") == std::string::npos) continue;
        ++concats;
        for (size_t k = i + 1; k < lines.size() && lines[k].find("convolution") == std::string::npos; ++k)
            EXPECT_EQ(lines[k].find("reorder"), std::string::npos) << "after the concat: " << lines[k] << "\n" << plan;
    }
    EXPECT_EQ(concats, 2u) << plan;
    EXPECT_EQ(lines_with(plan, "slice").size(), 4u) << plan;
    expect_no_reference_code(plan);
}

TEST(CpuEngineChannelShuffle, RunsAsOneReorderInTheConcatsLayout) {
    for (const int64_t c : {32, 58}) {  // 58: channel counts that fit no 16-channel block
        SCOPED_TRACE(c);
        const auto out = run_both(shuffle_units(false, c, 7), {GraphBuilder(3).random_tensor({1, 8, 7, 7}, -2.0f, 2.0f)});
        expect_close(out, 1e-4f);
        expect_shuffled_in_place(out.plan);
    }
}

TEST(CpuEngineChannelShuffle, MovesCodesAsTheyAre) {
    const auto out = run_both(shuffle_units(true, 32, 7), {GraphBuilder(3).random_tensor({1, 8, 7, 7}, -2.0f, 2.0f)});
    // Codes only move through the shuffle and the slices; the convolutions round as the
    // reference engine's simulated FakeQuantize does, within a step at the output.
    expect_close(out, 0.05f);
    EXPECT_EQ(lines_with(out.plan, "channel shuffle").size(), 2u) << out.plan;
    for (const auto& line : lines_with(out.plan, "channel shuffle"))
        EXPECT_NE(line.find("u8"), std::string::npos) << "the shuffle moved f32 values, not codes: " << line;
    expect_no_reference_code(out.plan);
}

TEST(CpuEngineChannelShuffle, OtherTransposesStayTransposes) {
    // Swapping other axes than the two halves of the channels is not a shuffle.
    GraphBuilder g(5);
    const auto x = g.node("Relu", {g.conv(g.input("x", {1, 8, 6, 6}), 8, 16, 1)});
    const auto split = g.node("Reshape", {x, g.constant(Tensor::from_vector<int64_t>({5}, {1, 2, 8, 6, 6}))});
    const auto swapped = g.node("Transpose", {split}, {{"perm", Ints{0, 1, 2, 4, 3}}});
    g.output(g.node("Reshape", {swapped, g.constant(Tensor::from_vector<int64_t>({4}, {1, 16, 6, 6}))}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 8, 6, 6})});
    expect_close(out, 1e-4f);
    EXPECT_TRUE(lines_with(out.plan, "channel shuffle").empty()) << out.plan;
    EXPECT_EQ(lines_with(out.plan, "transpose").size(), 1u) << out.plan;
}

}  // namespace
}  // namespace pot::test
