// The engine as a whole: small CNNs end to end, observed values, errors, parameters, plan cache.
#include <cstring>
#include <map>

#include "engine_compare.hpp"
#include "plan.hpp"
#include "pot/params.hpp"

namespace pot::test {
namespace {

using Ints = std::vector<int64_t>;

// conv-relu-pool, two residual blocks, global pool, flatten, gemm, softmax. With `quantized`,
// FakeQuantize nodes sit where the quantizer puts them.
Graph small_cnn(bool quantized) {
    GraphBuilder g(21);
    auto fq = [&](const std::string& v, float lo, float hi, bool is_signed) {
        if (!quantized) return v;
        return g.fq_spec(v, lo, hi, QuantSpec{8, true, is_signed, false});
    };
    auto conv = [&](const std::string& v, int64_t in, int64_t out, int64_t k, std::map<std::string, Attribute> a = {}) {
        return quantized ? g.qconv(v, in, out, k, a) : g.conv(v, in, out, k, a);
    };
    const auto x = g.input("image", {-1, 3, 32, 32});
    auto v = g.node("Relu", {conv(fq(x, -2.0f, 2.0f, true), 3, 16, 3, {{"strides", Ints{2, 2}}})});
    v = g.node("MaxPool", {v}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
    for (int block = 0; block < 2; ++block) {
        const auto in = fq(v, 0.0f, 3.0f, false);
        const auto a = g.node("Relu", {conv(in, 16, 16, 3)});
        const auto b = conv(fq(a, 0.0f, 3.0f, false), 16, 16, 3);
        v = g.node("Relu", {g.node("Add", {b, in})});
    }
    v = g.node("Flatten", {g.node("GlobalAveragePool", {v})});
    std::string w = g.random_constant({10, 16}, -0.5f, 0.5f);
    if (quantized) w = g.fq_weights(w, 0);
    v = g.node("Gemm", {fq(v, 0.0f, 3.0f, false), w, g.random_constant({10})}, {{"transB", int64_t{1}}});
    g.output(g.node("Softmax", {v}));
    g.graph().name = quantized ? "small_cnn_int8" : "small_cnn";
    return g.graph();
}

Tensor images(int64_t batch, uint32_t seed) {
    GraphBuilder g(seed);
    return g.random_tensor({batch, 3, 32, 32}, -2.0f, 2.0f);
}

TEST(CpuEngine, SmallCnnFp32MatchesReference) {
    expect_close(run_both(small_cnn(false), {images(2, 1)}), 1e-5f);
}

TEST(CpuEngine, SmallCnnInt8MatchesReferenceAndRunsInt8) {
    const auto out = run_both(small_cnn(true), {images(2, 2)});
    // Softmax of logits that may differ by a few steps of their quantization.
    expect_close(out, 0.02f);
    const std::string plan = out.plan;
    const std::string act = cpu::cpu_u8_exact() ? "u8" : "s8";
    EXPECT_NE(plan.find("convolution +Relu +requantize " + act + ":s8:" + act), std::string::npos) << plan;
    EXPECT_NE(plan.find("matmul " + act + ":s8:f32"), std::string::npos) << plan;
}

TEST(CpuEngine, DynamicBatchCompilesOnePlanPerShape) {
    const Graph graph = small_cnn(false);
    cpu::CpuEngine engine;
    reference::ReferenceEngine ref;
    auto engine_model = engine.compile(graph);
    auto ref_model = ref.compile(graph);
    for (int64_t batch : {1, 3, 1}) {
        const auto input = images(batch, static_cast<uint32_t>(batch));
        const auto cpu_out = engine_model->infer({input});
        const auto ref_out = ref_model->infer({input}, {}, nullptr);
        ASSERT_EQ(cpu_out[0].dim(0), batch);
        EXPECT_LE(max_abs_diff(cpu_out[0], ref_out[0]), 1e-5f) << "batch " << batch;
    }
}

class Recorder : public ValueObserver {
public:
    void on_value(const std::string& value, const Tensor& tensor) override {
        order.push_back(value);
        values[value] = tensor;
    }
    std::vector<std::string> order;
    std::map<std::string, Tensor> values;
};

TEST(CpuEngine, ObservedValuesEqualReferenceEngines) {
    for (const bool quantized : {false, true}) {
        const Graph graph = small_cnn(quantized);
        // Every node output: fused ones (conv before relu) must still be reported.
        std::vector<std::string> observed{"image"};
        for (const auto& n : graph.nodes) observed.push_back(n.outputs[0]);
        cpu::CpuEngine engine;
        reference::ReferenceEngine ref;
        auto engine_model = engine.compile(graph);
        auto ref_model = ref.compile(graph);
        Recorder cpu_seen, ref_seen;
        const auto input = images(1, 4);
        engine_model->infer({input}, observed, &cpu_seen);
        ref_model->infer({input}, observed, &ref_seen);
        ASSERT_EQ(cpu_seen.values.size(), ref_seen.values.size()) << "quantized " << quantized;
        for (const auto& [name, tensor] : ref_seen.values) {
            ASSERT_TRUE(cpu_seen.values.count(name)) << name;
            // Quantized values may differ by one step where a rounding tie broke the other way.
            EXPECT_LE(max_abs_diff(cpu_seen.values.at(name), tensor), quantized ? 0.05f : 1e-4f) << name;
        }
        EXPECT_EQ(cpu_seen.order.front(), "image");
    }
}

// Records values in the plan's storage order, and each value as on_value() would get it.
class OrderRecorder : public cpu::StorageOrderObserver {
public:
    void on_value(const std::string& value, const Tensor& tensor) override { plain[value] = tensor; }
    void on_value_in_order(const std::string& value, const float* data, const Shape& stored_shape,
                           const std::vector<int64_t>& order) override {
        Tensor tensor(DType::F32, stored_shape);
        std::memcpy(tensor.raw(), data, tensor.byte_size());
        stored[value] = {tensor, order};
    }
    std::map<std::string, Tensor> plain;
    std::map<std::string, std::pair<Tensor, std::vector<int64_t>>> stored;
};

class Samples final : public DataLoader {
public:
    explicit Samples(std::vector<Tensor> inputs) : inputs_(std::move(inputs)) {}
    size_t size() const override { return inputs_.size(); }
    Sample get(size_t index) const override {
        Sample s;
        s.index = index;
        s.inputs = {inputs_.at(index)};
        return s;
    }
    std::string describe() const override { return "test samples"; }

private:
    std::vector<Tensor> inputs_;
};

TEST(CpuEngine, StatisticsOfChannelsLastValuesNeedNoTransposition) {
    const Graph graph = small_cnn(false);
    std::vector<std::string> values;
    for (const auto& n : graph.nodes) values.push_back(n.outputs[0]);
    cpu::CpuEngine engine;
    auto model = engine.compile(graph);

    // The plan hands channels-last values over as stored, and those are the plain values permuted.
    OrderRecorder by_order;
    Recorder plain;
    const auto input = images(1, 7);
    model->infer({input}, values, &by_order);
    model->infer({input}, values, &plain);
    size_t permuted = 0;
    for (const auto& [name, entry] : by_order.stored) {
        const auto& [tensor, order] = entry;
        const Tensor& want = plain.values.at(name);
        ASSERT_EQ(tensor.numel(), want.numel()) << name;
        ASSERT_EQ(order.front(), 0) << name;
        std::vector<int64_t> strides(order.size());  // the stored tensor's stride of each plain dim
        for (size_t i = order.size(), step = 1; i-- > 0; step *= static_cast<size_t>(tensor.shape()[i]))
            strides[static_cast<size_t>(order[i])] = static_cast<int64_t>(step);
        const Shape& dims = want.shape();
        std::vector<int64_t> index(dims.size(), 0);
        for (int64_t k = 0; k < want.numel(); ++k) {
            int64_t offset = 0;
            for (size_t d = 0; d < dims.size(); ++d) offset += index[d] * strides[d];
            ASSERT_EQ(tensor.data<float>()[offset], want.data<float>()[k]) << name << " element " << k;
            for (size_t d = dims.size(); d-- > 0;)
                if (++index[d] < dims[d]) break; else index[d] = 0;
        }
        bool identity = true;
        for (size_t i = 0; i < order.size(); ++i) identity = identity && order[i] == static_cast<int64_t>(i);
        permuted += identity ? 0 : 1;
    }
    EXPECT_FALSE(by_order.stored.empty());
    EXPECT_GT(permuted, 0u) << "no value of the plan is channels-last; the test would check nothing";

    // The engine's statistics equal the SDK's collection over plain tensors, per channel too
    // (quantiles near the ends and in the middle take different paths over channels-last values).
    std::vector<StatisticRequest> requests;
    for (const auto& v : values) {
        for (const ReducerKind kind : {ReducerKind::Min, ReducerKind::Max, ReducerKind::MeanMax,
                                       ReducerKind::MeanQuantileHigh, ReducerKind::Mean})
            requests.push_back({v, kind, -1});
        for (const ReducerKind kind : {ReducerKind::Mean, ReducerKind::SampleMax, ReducerKind::MeanMin,
                                       ReducerKind::MeanQuantileLow, ReducerKind::SampleQuantileHigh})
            for (const double q : {1e-4, 0.3})
                if (plain.values.at(v).rank() > 1) requests.push_back({v, kind, 1, q});
        StatisticRequest histogram{v, ReducerKind::Histogram, -1};
        histogram.histogram = {-4.0, 4.0, 64};
        requests.push_back(histogram);
    }
    const Samples data({images(1, 1), images(1, 2), images(1, 3)});
    const Statistics ours = engine.collect(*model, data, requests, {}, nullptr);
    const Statistics sdk = engine.Engine::collect(*model, data, requests, {}, nullptr);
    for (const auto& r : requests) {
        const Tensor a = ours.get(r), b = sdk.get(r);
        ASSERT_EQ(shape_str(a.shape()), shape_str(b.shape())) << r.key();
        const auto fa = a.to_floats(), fb = b.to_floats();
        for (size_t i = 0; i < fa.size(); ++i)
            EXPECT_NEAR(fa[i], fb[i], 1e-5f * std::max(1.0f, std::abs(fb[i]))) << r.key() << " [" << i << "]";
    }
}

TEST(CpuEngine, UnsupportedOpErrorNamesTheNode) {
    GraphBuilder g;
    const auto x = g.input("x", {1, 4});
    g.output(g.node("Relu", {g.node("FancyOp", {x})}));
    cpu::CpuEngine engine;
    try {
        auto engine_model = engine.compile(g.graph());
        FAIL() << "compile accepted an unknown op";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("FancyOp 'FancyOp0'"), std::string::npos) << e.what();
    }
}

TEST(CpuEngine, ParamsRejectUnknownKeys) {
    EXPECT_NO_THROW(cpu::CpuEngine(Params(R"({"threads": 1})")));
    try {
        cpu::CpuEngine engine(Params(R"({"thread": 1})"));
        FAIL() << "unknown key accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("threads"), std::string::npos) << e.what();
    }
    EXPECT_THROW(cpu::CpuEngine(Params(R"({"threads": -2})")), Error);
}

TEST(CpuEngine, SingleThreadGivesTheSameResult) {
    const Graph graph = small_cnn(true);
    cpu::CpuEngine one(Params(R"({"threads": 1})")), all;
    auto one_model = one.compile(graph);
    auto all_model = all.compile(graph);
    const auto input = images(2, 9);
    EXPECT_LE(max_abs_diff(one_model->infer({input})[0], all_model->infer({input})[0]), 1e-6f);
}


// Float 3x3 stride-1 convolutions run on oneDNN's Winograd kernels where the CPU has them (AVX-512
// in oneDNN 2.x), with a fused bias + Relu; `"winograd": false` keeps them direct. Both agree with
// the reference engine within rounding of sums of 576 products.
TEST(CpuEngine, WinogradConvolutionsMatchDirectOnesAndCanBeTurnedOff) {
    GraphBuilder g(43);
    const auto x = g.input("x", {1, 64, 28, 28});
    g.output(g.node("Relu", {g.conv(x, 64, 64, 3, {{"pads", Ints{1, 1, 1, 1}}})}));
    const std::vector<Tensor> inputs{g.random_tensor({1, 64, 28, 28}, -1.0f, 1.0f)};
    reference::ReferenceEngine ref;
    const auto expected = ref.compile(g.graph())->infer(inputs, {}, nullptr);
    float magnitude = 0.0f;
    for (float v : expected[0].to_floats()) magnitude = std::max(magnitude, std::fabs(v));
    ASSERT_GT(magnitude, 0.1f);

    cpu::CpuEngine winograd, direct(Params(R"({"winograd": false})"));
    auto fast = winograd.compile(g.graph());
    auto exact = direct.compile(g.graph());
    const auto fast_out = fast->infer(inputs);
    const auto exact_out = exact->infer(inputs);
    const std::string fast_plan = cpu::CpuEngine::describe_plan(*fast);
    const std::string exact_plan = cpu::CpuEngine::describe_plan(*exact);
    EXPECT_TRUE(lines_with(exact_plan, "wino").empty()) << exact_plan;
    EXPECT_LE(max_abs_diff(exact_out[0], expected[0]), 1e-5f * magnitude);
    EXPECT_LE(max_abs_diff(fast_out[0], expected[0]), 1e-5f * magnitude);
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
    if ((isa & avx512) == avx512) {
        EXPECT_EQ(lines_with(fast_plan, "wino").size(), 1u) << fast_plan;
    }
    expect_no_reference_code(fast_plan);
}

// The 4x3 Winograd kernel blocks output tiles by a divisor of their count below 32: 144x144 maps
// (36 x 36 tiles) take it, 148x148 ones (37 x 37, no such divisor from 4 up) stay direct, where
// Winograd would run at about half the speed.
TEST(CpuEngine, WinogradOnlyWhereTheTileCountBlocks) {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
    if ((isa & avx512) != avx512) GTEST_SKIP() << "no Winograd kernels without AVX-512 in oneDNN 2.x";
    for (const int64_t size : {int64_t{144}, int64_t{148}}) {
        GraphBuilder g(53);
        const auto x = g.input("x", {1, 32, size, size});
        g.output(g.node("Relu", {g.conv(x, 32, 64, 3, {{"pads", Ints{1, 1, 1, 1}}})}));
        cpu::CpuEngine engine(Params(R"({"threads": 1})"));  // with more, oneDNN may pick its 2x3 kernel
        auto model = engine.compile(g.graph());
        model->infer({g.random_tensor({1, 32, size, size}, -1.0f, 1.0f)});
        const std::string plan = cpu::CpuEngine::describe_plan(*model);
        EXPECT_EQ(lines_with(plan, "wino_4x3").size(), size == 144 ? 1u : 0u) << size << "\n" << plan;
        EXPECT_EQ(lines_with(plan, "convolution").size(), 1u) << plan;
        expect_no_reference_code(plan);
    }
}

// A convolution feeding a channel Concat runs in 16-channel blocks when oneDNN has a fast kernel
// for it there; a dilation wider than the map (DeepLabV3's ASPP at 1/16 scale) has none in that
// layout, so it keeps the layout oneDNN picks instead of running reference code.
TEST(CpuEngine, ConvolutionsBeforeAConcatLeaveChannelBlocksWithoutAFastKernelThere) {
    GraphBuilder g(47);
    const auto x = g.input("x", {1, 32, 20, 20});
    const auto wide = g.conv(x, 32, 32, 3, {{"pads", Ints{24, 24, 24, 24}}, {"dilations", Ints{24, 24}}});
    const auto narrow = g.conv(x, 32, 32, 1);
    g.output(g.node("Concat", {wide, narrow}, {{"axis", int64_t{1}}}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 32, 20, 20}, -1.0f, 1.0f)});
    expect_close(out, 1e-4f);
    EXPECT_EQ(lines_with(out.plan, "convolution").size(), 2u) << out.plan;
    expect_no_reference_code(out.plan);
}

// With a team of two, a node far cheaper than a fork and join (a Relu of 8 values) is built for
// and run on the calling thread alone; a 3x3 convolution of 64 channels at 56x56 (116M
// multiply-adds) runs on the team. Both agree with the reference engine.
TEST(CpuEngine, SmallNodesRunOnTheCallingThreadAndLargeOnesOnTheTeam) {
    GraphBuilder g(41);
    const auto x = g.input("x", {1, 64, 56, 56});
    g.output(g.conv(x, 64, 64, 3, {{"pads", Ints{1, 1, 1, 1}}}));
    g.graph().inputs.push_back({"s", DType::F32, {1, 8}});
    g.output(g.node("Relu", {"s"}));
    const std::vector<Tensor> inputs{g.random_tensor({1, 64, 56, 56}, -1.0f, 1.0f), g.random_tensor({1, 8}, -1.0f, 1.0f)};
    cpu::CpuEngine two(Params(R"({"threads": 2})"));
    auto model = two.compile(g.graph());
    const auto cpu_out = model->infer(inputs);
    const std::string plan = cpu::CpuEngine::describe_plan(*model);
    const auto conv = lines_with(plan, "convolution");
    const auto relu = lines_with(plan, "Relu");
    ASSERT_EQ(conv.size(), 1u) << plan;
    ASSERT_FALSE(relu.empty()) << plan;
    EXPECT_EQ(conv[0].find("1 thread"), std::string::npos) << plan;
    for (const auto& line : relu) EXPECT_NE(line.find("1 thread"), std::string::npos) << plan;
    reference::ReferenceEngine ref;
    const auto ref_out = ref.compile(g.graph())->infer(inputs, {}, nullptr);
    ASSERT_EQ(cpu_out.size(), 2u);
    EXPECT_LE(max_abs_diff(cpu_out[0], ref_out[0]), 1e-4f);
    EXPECT_LE(max_abs_diff(cpu_out[1], ref_out[1]), 0.0f);
}

// Token ids and an attention mask (int64 inputs) through an embedding Gather, a comparison, a
// Where and a Cast: the integer and bool values are host tensors, the float path stays oneDNN.
TEST(CpuEngine, IntegerAndBoolRuntimeValuesMatchReference) {
    GraphBuilder g(31);
    g.graph().inputs.push_back({"ids", DType::I64, {1, 6}});
    g.graph().inputs.push_back({"mask", DType::I64, {1, 6}});
    const auto table = g.random_constant({10, 8});
    const auto embedded = g.node("Gather", {table, "ids"});  // [1, 6, 8]
    const auto zero = g.constant(Tensor::from_vector<int64_t>({}, {0}));
    const auto padding = g.node("Equal", {"mask", zero});  // bool [1, 6]
    const auto keep = g.node("Not", {padding});
    const auto keep_f = g.node("Cast", {keep}, {{"to", int64_t{1}}});
    const auto bias = g.node("Where", {padding, g.constant(Tensor::scalar(-100.0f)), g.constant(Tensor::scalar(0.0f))});
    const auto scores = g.node("MatMul", {embedded, g.random_constant({8, 1})});  // [1, 6, 1]
    const auto flat = g.node("Reshape", {scores, g.constant(Tensor::from_vector<int64_t>({2}, {1, 6}))});
    const auto weights = g.node("Softmax", {g.node("Add", {flat, bias})});
    g.output(g.node("Mul", {weights, keep_f}));
    g.output(padding);
    g.graph().outputs.back().dtype = DType::Bool;
    const Tensor ids = Tensor::from_vector<int64_t>({1, 6}, {3, 1, 4, 1, 5, 9});
    const Tensor mask = Tensor::from_vector<int64_t>({1, 6}, {1, 1, 1, 1, 0, 0});
    const auto out = run_both(g.graph(), {ids, mask});
    expect_close(out, 1e-5f);
    ASSERT_EQ(out.cpu.size(), 2u);
    EXPECT_EQ(out.cpu[1].dtype(), DType::Bool);
    EXPECT_EQ(out.cpu[1].to_ints(), (std::vector<int64_t>{0, 0, 0, 0, 1, 1}));
    // The padded positions get no weight, the others share all of it.
    const auto w = out.cpu[0].to_floats();
    EXPECT_EQ(w[4], 0.0f);
    EXPECT_NEAR(w[0] + w[1] + w[2] + w[3], 1.0f, 1e-5f);
    EXPECT_NE(out.plan.find("matmul"), std::string::npos) << out.plan;
    // A second run with other ids reuses the plan and sees the new values.
    const Tensor other = Tensor::from_vector<int64_t>({1, 6}, {0, 0, 0, 0, 0, 0});
    const auto again = run_both(g.graph(), {other, mask});
    expect_close(again, 1e-5f);
}

// ConvTranspose (U-Net upsampling) and LSTM (CRNN) run in the cpu engine, as the reference does.
TEST(CpuEngine, ConvTransposeAndLstmMatchReference) {
    GraphBuilder g(32);
    const auto x = g.input("x", {1, 4, 5, 5});
    const auto up = g.node("ConvTranspose", {x, g.random_constant({4, 3, 2, 2}), g.random_constant({3})},
                           {{"strides", Ints{2, 2}}});  // [1, 3, 10, 10]
    const auto seq = g.node("Transpose", {g.node("Reshape", {up, g.constant(Tensor::from_vector<int64_t>({3}, {3, 10, 10}))})},
                            {{"perm", Ints{1, 0, 2}}});  // [10, 3, 10]: sequence 10, batch 3
    Node lstm;
    lstm.name = "lstm";
    lstm.op_type = "LSTM";
    lstm.inputs = {seq, g.random_constant({2, 16, 10}), g.random_constant({2, 16, 4}), g.random_constant({2, 32})};
    lstm.outputs = {"lstm_y"};
    lstm.attributes = {{"hidden_size", int64_t{4}}, {"direction", std::string("bidirectional")}};
    g.graph().nodes.push_back(lstm);
    g.output("lstm_y");
    const auto out = run_both(g.graph(), {g.random_tensor({1, 4, 5, 5})});
    expect_close(out, 1e-5f);
    EXPECT_EQ(shape_str(out.cpu[0].shape()), "[10,2,3,4]");
}


}  // namespace
}  // namespace pot::test
