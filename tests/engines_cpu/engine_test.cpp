// The engine as a whole: small CNNs end to end, observed values, errors, parameters, plan cache.
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


}  // namespace
}  // namespace pot::test
