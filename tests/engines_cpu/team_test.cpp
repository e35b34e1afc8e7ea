// The plan's own team: convolutions, matmuls, softmax, layer norms and conversions split into
// bands of output rows, run by two threads that wait for each other by spinning, inside one
// OpenMP region per run of such steps. Each band must compute exactly what the whole step does.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine_compare.hpp"
#include "plan.hpp"
#include "plan_builder.hpp"
#include "team.hpp"

namespace pot::test {
namespace {

using Ints = std::vector<int64_t>;

struct Compiled {
    std::vector<Tensor> out;
    std::string plan;
};

Compiled run_with(const Graph& graph, const std::vector<Tensor>& inputs, const std::string& params) {
    cpu::CpuEngine engine{Params(params)};
    auto model = engine.compile(graph);
    Compiled c{model->infer(inputs), ""};
    c.plan = cpu::CpuEngine::describe_plan(*model);
    // A second run reuses the bands' primitives and buffers.
    const auto again = model->infer(inputs);
    for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(max_abs_diff(again[i], c.out[i]), 0.0f) << "output " << i;
    return c;
}

float magnitude(const Tensor& t) {
    float m = 0.0f;
    for (float v : t.to_floats()) m = std::max(m, std::fabs(v));
    return m;
}

QuantSpec symmetric_signed() { return QuantSpec{8, true, true, false}; }
QuantSpec asymmetric() { return QuantSpec{8, false, true, false}; }

struct BandCase {
    const char* name;
    Shape input;
    bool int8;
    const char* kind;  // a step kind the plan must split
    // Builds the graph's body from the model input.
    std::function<std::string(GraphBuilder&, const std::string&)> build;
    // How a step of that kind must be split.
    const char* bands = "row bands";
    // Options of both runs besides the team's.
    const char* options = R"("winograd": false)";
};

std::ostream& operator<<(std::ostream& os, const BandCase& c) { return os << c.name; }

class TeamBands : public ::testing::TestWithParam<BandCase> {};

TEST_P(TeamBands, ComputeWhatTheWholeProductComputes) {
    const BandCase& c = GetParam();
    GraphBuilder g(21);
    const auto x = g.input("x", c.input);
    g.output(c.build(g, x));
    const std::vector<Tensor> inputs{g.random_tensor(c.input, -2.0f, 2.0f)};
    const auto whole = run_with(g.graph(), inputs, str_cat(R"({"threads": 2, "team": "off", )", c.options, "}"));
    const auto bands = run_with(g.graph(), inputs, str_cat(R"({"threads": 2, "team": "on", )", c.options, "}"));
    EXPECT_TRUE(lines_with(whole.plan, " bands)").empty()) << whole.plan;
    const auto of_kind = lines_with(bands.plan, std::string(": ") + c.kind);
    EXPECT_TRUE(std::any_of(of_kind.begin(), of_kind.end(),
                            [&](const std::string& line) { return line.find(c.bands) != std::string::npos; }))
        << c.kind << " not split into " << c.bands << ":\n" << bands.plan;
    expect_no_reference_code(bands.plan);
    ASSERT_EQ(bands.out.size(), whole.out.size());
    const float m = magnitude(whole.out[0]);
    ASSERT_GT(m, 0.1f);
    // Integer sums are exact and rescaled alike; float sums of the same products may be added in
    // another order by a kernel chosen for the band's shape.
    EXPECT_LE(max_abs_diff(bands.out[0], whole.out[0]), c.int8 ? 0.0f : 1e-5f * m);

    reference::ReferenceEngine ref;
    const auto expected = ref.compile(g.graph())->infer(inputs, {}, nullptr);
    EXPECT_LE(max_abs_diff(bands.out[0], expected[0]), c.int8 ? 0.05f * m : 1e-5f * m);
}

INSTANTIATE_TEST_SUITE_P(
    Products, TeamBands,
    ::testing::Values(
        BandCase{"ThreeByThree", {1, 32, 28, 28}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) { return g.node("Relu", {g.conv(x, 32, 64, 3)}); }},
        // Odd map, stride 2: bands of 8 and 7 rows, the second one reading the first's last row.
        BandCase{"StrideTwoOddMap", {1, 32, 29, 29}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.conv(x, 32, 64, 3, {{"strides", Ints{2, 2}}});
                 }},
        // Padding only at the top and left: the lower band has none.
        BandCase{"AsymmetricPads", {1, 32, 24, 24}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.conv(x, 32, 64, 3, {{"pads", Ints{2, 2, 0, 0}}});
                 }},
        BandCase{"DilatedFiveByFive", {1, 16, 30, 30}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.conv(x, 16, 64, 5, {{"dilations", Ints{2, 2}}, {"pads", Ints{4, 4, 4, 4}}});
                 }},
        BandCase{"DepthwiseThenPointwise", {1, 64, 56, 56}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto dw = g.node("Relu", {g.conv(x, 64, 64, 3, {{"strides", Ints{2, 2}}}, true, 64)});
                     return g.conv(dw, 64, 128, 1);
                 }},
        // Quantized: u8/s8 bands, a requantized chain, and a residual whose codes the last band
        // sums in place.
        BandCase{"Int8ResidualBlock", {1, 64, 28, 28}, true, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto in = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                     const auto mid = g.fq_spec(g.node("Relu", {g.qconv(in, 64, 64, 1)}), -1.0f, 2.0f, asymmetric());
                     const auto branch = g.fq_spec(g.qconv(mid, 64, 64, 3), -3.0f, 3.0f, symmetric_signed());
                     const auto sum = g.fq_spec(g.node("Relu", {g.node("Add", {branch, in})}), -1.0f, 4.0f, asymmetric());
                     return g.fq_spec(g.qconv(sum, 64, 32, 3, {{"strides", Ints{2, 2}}}), -4.0f, 4.0f, asymmetric());
                 }},
        BandCase{"Int8Depthwise", {1, 96, 40, 40}, true, "convolution", [](GraphBuilder& g, const std::string& x) {
                     const auto in = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                     const auto dw = g.qconv(in, 96, 96, 3, {{"strides", Ints{2, 2}}}, 96);
                     return g.fq_spec(g.qconv(g.fq_spec(dw, -3.0f, 3.0f, asymmetric()), 96, 64, 1), -4.0f, 4.0f,
                                      asymmetric());
                 }},
        // A transformer's linear layer over 75 tokens: bands of 37 and 38 rows.
        BandCase{"DenseLayerOverTokens", {1, 75, 96}, false, "matmul",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto y = g.node("MatMul", {x, g.random_constant({96, 192}, -0.1f, 0.1f)});
                     return g.node("Relu", {g.node("Add", {y, g.random_constant({192}, -0.2f, 0.2f)})});
                 }},
        BandCase{"Int8DenseLayerOverTokens", {1, 75, 192}, true, "matmul",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto in = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                     const auto w = g.fq_weights(g.random_constant({192, 384}, -0.1f, 0.1f), 1);
                     return g.fq_spec(g.node("MatMul", {in, w}), -2.0f, 2.0f, asymmetric());
                 }},
        // Attention scores, Q . K^T per head, with both operands computed: bands of each head's rows.
        BandCase{"BatchedMatMulPerHead", {1, 4, 96, 32}, false, "matmul",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto k = g.node("Transpose", {g.node("Relu", {x})}, {{"perm", Ints{0, 1, 3, 2}}});
                     return g.node("MatMul", {x, k});
                 }},
        BandCase{"Int8BatchedMatMulPerHead", {1, 4, 96, 32}, true, "matmul",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto q = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                     const auto k = g.fq_spec(g.node("Transpose", {g.node("Neg", {x})}, {{"perm", Ints{0, 1, 3, 2}}}),
                                              -2.0f, 2.0f, symmetric_signed());
                     return g.fq_spec(g.node("MatMul", {q, k}), -8.0f, 8.0f, asymmetric());
                 }},
        // Attention probabilities: rows of every head.
        BandCase{"SoftmaxOverRows", {1, 8, 96, 32}, false, "softmax",
                 [](GraphBuilder& g, const std::string& x) { return g.node("Softmax", {x}, {{"axis", int64_t{-1}}}); }},
        BandCase{"LayerNormOverTokens", {1, 197, 192}, false, "layer_normalization",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.node("LayerNormalization",
                                   {x, g.random_constant({192}, 0.5f, 1.5f), g.random_constant({192}, -0.2f, 0.2f)},
                                   {{"axis", int64_t{-1}}});
                 }},
        // Elementwise steps in bands of elements: an activation on its own, a chain of two run
        // one primitive after the other in place, an Add of two computed values.
        BandCase{"ActivationsInPlace", {1, 64, 40, 40}, false, "eltwise",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.node("Tanh", {g.node("Clip", {g.node("Add", {x, g.constant(Tensor::scalar(3.0f))}),
                                                           g.constant(Tensor::scalar(0.0f)),
                                                           g.constant(Tensor::scalar(6.0f))})});
                 }},
        BandCase{"AddOfTwoComputedValues", {1, 197, 192}, false, "binary",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.node("Add", {g.node("Sigmoid", {x}), g.node("Tanh", {x})});
                 }},
        BandCase{"Int8AddOfSymmetricCodes", {1, 64, 40, 40}, true, "binary",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto a = g.fq_spec(g.node("Sigmoid", {x}), -1.0f, 1.0f, symmetric_signed());
                     const auto c = g.fq_spec(g.node("Tanh", {x}), -1.0f, 1.0f, symmetric_signed());
                     return g.fq_spec(g.node("Add", {a, c}), -2.0f, 2.0f, symmetric_signed());
                 }},
        // Convolutions feeding a channel Concat write 16-channel blocks: bands of those blocks,
        // beside a channels-last convolution in row bands, with reorders between the layouts.
        BandCase{"ConvolutionsBeforeAConcat", {1, 64, 28, 28}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto y = g.node("Relu", {g.conv(x, 64, 64, 3)});
                     return g.node("Concat", {g.conv(y, 64, 64, 1), g.node("Relu", {g.conv(y, 64, 32, 3)})},
                                   {{"axis", int64_t{1}}});
                 },
                 "channel bands"},
        // Winograd kernels read and write 16-channel blocks: bands of output blocks, each with
        // its share of the weights and bias.
        BandCase{"WinogradInChannelBlocks", {1, 64, 28, 28}, false, "convolution",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.node("Relu", {g.conv(g.node("Relu", {g.conv(x, 64, 96, 3)}), 96, 64, 3)});
                 },
                 "channel bands", R"("winograd": true)"},
        // Pooling: channels-last rows with their window's halo (a max pool of INT8 codes, an
        // average pool with padding and ceil mode), and 16-channel blocks after a channel Concat.
        BandCase{"Int8MaxPoolRows", {1, 64, 57, 57}, true, "pooling",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto in = g.fq_spec(g.node("Relu", {g.qconv(g.fq_spec(x, -2.0f, 2.0f, asymmetric()), 64, 64, 1)}),
                                               0.0f, 2.0f, asymmetric());
                     return g.node("MaxPool", {in}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}},
                                                     {"pads", Ints{1, 1, 1, 1}}});
                 }},
        BandCase{"AveragePoolRowsCeilMode", {1, 32, 30, 30}, false, "pooling",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.node("AveragePool", {g.node("Relu", {g.conv(x, 32, 64, 1)})},
                                   {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}},
                                    {"ceil_mode", int64_t{1}}});
                 }},
        BandCase{"MaxPoolChannelBlocks", {1, 64, 28, 28}, false, "pooling",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto cat = g.node("Concat", {g.conv(x, 64, 32, 1), g.conv(x, 64, 32, 1)}, {{"axis", int64_t{1}}});
                     return g.node("MaxPool", {cat}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{1, 1}},
                                                      {"pads", Ints{1, 1, 1, 1}}});
                 },
                 "channel bands"},
        // A 3x3 stride-2 upsampling in 16-channel blocks: bands of output channel blocks, each
        // with the weights ONNX keeps kernel-size values apart per output channel.
        BandCase{"ConvTransposeChannelBlocks", {1, 64, 20, 20}, false, "deconvolution",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto w = g.random_constant({64, 48, 3, 3}, -0.2f, 0.2f);
                     const auto bias = g.random_constant({48}, -0.2f, 0.2f);
                     return g.node("Relu", {g.node("ConvTranspose", {x, w, bias},
                                                   {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}},
                                                    {"output_padding", Ints{1, 1}}})});
                 },
                 "channel bands"},
        // A U-Net's 2x2 stride-2 upsampling, a product per 16-channel block: bands of source rows,
        // each writing its rows' patches of every block.
        BandCase{"ConvTransposePatchRows", {1, 64, 21, 20}, false, "matmul",
                 [](GraphBuilder& g, const std::string& x) {
                     const auto w = g.random_constant({64, 48, 2, 2}, -0.2f, 0.2f);
                     const auto bias = g.random_constant({48}, -0.2f, 0.2f);
                     return g.node("Relu", {g.node("ConvTranspose", {x, w, bias},
                                                   {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})});
                 }},
        // Elementwise conversions of the model's input and output, in bands of elements.
        BandCase{"QuantizeAndDequantize", {1, 64, 40, 40}, true, "quantize",
                 [](GraphBuilder& g, const std::string& x) {
                     return g.fq_spec(g.node("Relu", {g.fq_spec(x, -2.0f, 2.0f, asymmetric())}), 0.0f, 2.0f, asymmetric());
                 }}),
    [](const auto& info) { return std::string(info.param.name); });

// Called from inside a parallel region of the caller's own, the plan's region gets one thread:
// it runs every band itself, with the same results.
TEST(TeamBands, RunInsideTheCallersParallelRegion) {
    GraphBuilder g(22);
    const auto x = g.input("x", {1, 32, 28, 28});
    g.output(g.conv(g.node("Relu", {g.conv(x, 32, 64, 3)}), 64, 64, 1));
    const std::vector<Tensor> inputs{g.random_tensor({1, 32, 28, 28}, -2.0f, 2.0f)};
    cpu::CpuEngine engine{Params(R"({"threads": 2, "team": "on", "winograd": false})")};
    auto model = engine.compile(g.graph());
    const auto outside = model->infer(inputs);
    ASSERT_FALSE(lines_with(cpu::CpuEngine::describe_plan(*model), " bands)").empty());
    std::vector<Tensor> inside;
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        inside = model->infer(inputs);
    }
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_LE(max_abs_diff(inside[0], outside[0]), 1e-5f * magnitude(outside[0]));
}

// The team's barrier: no thread passes a wait before every thread has reached it, whether the
// others arrive while it spins or after it went to sleep (a thread 5 ms late, as one that lost
// its core would be).
TEST(TeamBarrier, NoThreadPassesBeforeAllArriveSpinningOrAsleep) {
    constexpr int kThreads = 3, kPhases = 300;
    cpu::TeamBarrier barrier(std::chrono::microseconds{20});
    std::atomic<int> reached[kPhases] = {};
    std::atomic<int> early{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            barrier.set_threads(kThreads);
            for (int phase = 0; phase < kPhases; ++phase) {
                // Every 50th phase one thread arrives long after the others fell asleep.
                if (phase % 50 == 0 && t == phase / 50 % kThreads) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                reached[phase].fetch_add(1);
                barrier.wait();
                if (reached[phase].load() != kThreads) early.fetch_add(1);
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(early.load(), 0);
    for (int phase = 0; phase < kPhases; ++phase) EXPECT_EQ(reached[phase].load(), kThreads) << phase;
}

// A step for schedule(): split in two when `split_ns` > 0, else run by thread 0 alone (`solo`).
cpu::Step scheduled_step(double split_ns, bool solo, double node_ns) {
    cpu::Step step{"n", "convolution", "", [](cpu::RunContext&) {}};
    if (split_ns > 0.0) step.parts = {[](dnnl::stream&) {}, [](dnnl::stream&) {}};
    step.split_ns = split_ns;
    step.solo = solo;
    step.node_ns = node_ns;
    return step;
}

// Which runs of steps go to the team, to oneDNN's threads or to the calling thread's bands.
TEST(TeamSchedule, RulesDrawTheLineBetweenTeamAndOneDnn) {
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    cpu::Plan plan;
    plan.steps.push_back(scheduled_step(30e3, false, 30e3));    // 0: mid-sized split
    plan.steps.push_back(scheduled_step(0.0, true, 5e3));       // 1: small, thread 0
    plan.steps.push_back(scheduled_step(40e3, false, 40e3));    // 2: mid-sized split
    plan.steps.push_back(scheduled_step(900e3, false, 900e3));  // 3: large split
    plan.steps.push_back(scheduled_step(0.0, true, 800e3));     // 4: long serial node (a recurrent cell)
    plan.steps.push_back(scheduled_step(0.0, false, 900e3));    // 5: not split
    plan.steps.push_back(scheduled_step(20e3, false, 20e3));    // 6: a run too small for the team
    plan.steps.push_back(scheduled_step(0.0, true, 0.0));       // 7: conversion

    // Spinning waits: runs of small and mid-sized steps on the team, large ones whole.
    cpu::TeamRules spinning{50e3, 300e3, true};
    plan.schedule(2, spinning, engine);
    EXPECT_EQ(plan.team(), 2);
    EXPECT_EQ(plan.schedule_summary(), (std::vector<std::string>{"team 0-3", "whole 3-8"}));

    // Sleeping waits: every split step on the team when the run pays for waking it, else bands.
    cpu::TeamRules sleeping{400e3, std::numeric_limits<double>::infinity(), false};
    plan.schedule(2, sleeping, engine);
    EXPECT_EQ(plan.schedule_summary(), (std::vector<std::string>{"team 0-5", "whole 5-6", "bands 6-8"}));

    // "team": "on": every run on the team.
    plan.schedule(2, cpu::TeamRules{}, engine);
    EXPECT_EQ(plan.schedule_summary(), (std::vector<std::string>{"team 0-5", "whole 5-6", "team 6-8"}));

    // No team: everything as oneDNN parallelizes it.
    plan.schedule(0, spinning, engine);
    EXPECT_EQ(plan.team(), 0);
    EXPECT_EQ(plan.schedule_summary(), (std::vector<std::string>{"whole 0-8"}));
}

// A plan with little work runs on one thread in all; a larger one keeps the caller's team. Both
// compute what the reference engine computes.
TEST(TeamSchedule, PlansWithLittleWorkRunOnOneThread) {
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    const cpu::TeamScope two(2);
    for (const int64_t side : {8, 64}) {
        GraphBuilder g(23);
        const auto x = g.input("x", {1, 32, side, side});
        g.output(g.conv(g.node("Relu", {g.conv(x, 32, 64, 3)}), 64, 64, 3));
        cpu::PlanOptions options;
        const auto plan = cpu::build_plan(g.graph(), engine, {Shape{1, 32, side, side}}, {}, options);
        SCOPED_TRACE("side " + std::to_string(side) + ", estimated " + std::to_string(plan->estimated_ns) + " ns");
        if (side == 8) {
            EXPECT_LT(plan->estimated_ns, cpu::single_thread_below_ns());
            EXPECT_EQ(plan->threads, 1);
            EXPECT_EQ(plan->team(), 0);
        } else {
            EXPECT_GE(plan->estimated_ns, cpu::single_thread_below_ns());
            EXPECT_EQ(plan->threads, 0);
            // Not for "team": "off", which keeps every plan on oneDNN's threads.
            options.team = cpu::PlanOptions::Team::Off;
            EXPECT_EQ(cpu::build_plan(g.graph(), engine, {Shape{1, 32, side, side}}, {}, options)->threads, 0);
        }
        const std::vector<Tensor> inputs{g.random_tensor({1, 32, side, side}, -2.0f, 2.0f)};
        const auto expected = reference::ReferenceEngine().compile(g.graph())->infer(inputs, {}, nullptr);
        dnnl::stream stream(engine);
        const auto out = plan->run(inputs, stream, nullptr);
        EXPECT_LE(max_abs_diff(out[0], expected[0]), 1e-4f * magnitude(expected[0]));
        // The caller's team size is left as it was.
        EXPECT_EQ(cpu::current_team(), 2);
    }
}

// A recurrent cell waits for its previous time step: at batch 1 each step is a few small
// products, and it runs on one thread however long the whole sequence is.
TEST(TeamSchedule, RecurrentCellsAtBatchOneRunOnOneThread) {
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    const cpu::TeamScope two(2);
    const int64_t T = 64, K = 256, H = 256;
    GraphBuilder g(24);
    const auto x = g.input("x", {T, 1, K});
    Node n;
    n.name = "rnn";
    n.op_type = "LSTM";
    n.inputs = {x, g.random_constant({1, 4 * H, K}, -0.1f, 0.1f), g.random_constant({1, 4 * H, H}, -0.1f, 0.1f)};
    n.outputs = {"y"};
    n.attributes = {{"hidden_size", H}};
    g.graph().nodes.push_back(n);
    g.output("y");
    cpu::PlanOptions options;
    options.team = cpu::PlanOptions::Team::Off;
    const auto plan = cpu::build_plan(g.graph(), engine, {Shape{T, 1, K}}, {}, options);
    EXPECT_GE(plan->estimated_ns, cpu::serial_below_ns());  // the whole sequence is no small node
    const std::string described = plan->describe();
    EXPECT_NE(described.find("rnn: lstm"), std::string::npos) << described;
    for (const auto& line : lines_with(described, "rnn: lstm")) EXPECT_NE(line.find("(1 thread)"), std::string::npos) << line;
}

TEST(TeamBands, UnknownTeamSettingIsRejected) {
    try {
        cpu::CpuEngine engine{Params(R"({"team": "sometimes"})")};
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/team"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("sometimes"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace pot::test
