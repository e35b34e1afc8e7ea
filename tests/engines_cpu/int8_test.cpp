// Quantized graphs (FakeQuantize around Conv/Gemm/MatMul) run as real u8/s8 kernels; results stay
// within one quantization step of the reference engine's simulated FakeQuantize.
#include <algorithm>
#include <functional>

#include "engine_compare.hpp"
#include "plan.hpp"

namespace pot::test {
namespace {

using Ints = std::vector<int64_t>;

/// `signature` with A replaced by the activation code type this CPU runs (u8 needs VNNI).
std::string sig(std::string signature) {
    const std::string act = cpu::cpu_u8_exact() ? "u8" : "s8";
    for (size_t at = signature.find('A'); at != std::string::npos; at = signature.find('A'))
        signature.replace(at, 1, act);
    return signature;
}

QuantSpec asymmetric() { return QuantSpec{8, false, true, false}; }
QuantSpec symmetric_signed() { return QuantSpec{8, true, true, false}; }
QuantSpec symmetric_unsigned() { return QuantSpec{8, true, false, false}; }

/// Step of the last FakeQuantize of a graph ending in fq_spec(lo, hi, spec).
float step_of(float lo, float hi, const QuantSpec& spec) {
    const auto p = fake_quantize_from_range({lo}, {hi}, spec, -1);
    return fake_quantize_scale(p.input_low[0], p.input_high[0], p.levels);
}

struct Int8Case {
    std::string name;
    // Builds x -> ... -> y and returns y plus the quantization step that bounds the error.
    std::function<std::pair<std::string, float>(GraphBuilder&, const std::string&, int64_t)> build;
    Shape input;
    std::string expect_in_plan;  // a data-type signature the plan must contain
};

std::ostream& operator<<(std::ostream& os, const Int8Case& c) { return os << c.name; }

class Int8Graph : public ::testing::TestWithParam<Int8Case> {};

TEST_P(Int8Graph, WithinOneStepOfReference) {
    if (!cpu::cpu_u8_exact())
        GTEST_SKIP() << "CPU lacks VNNI: oneDNN's int8 kernels here halve s8 weights (and saturate "
                        "u8 x s8 pairs), so results are not within one step of the reference";
    const Int8Case& c = GetParam();
    GraphBuilder g(5);
    const auto x = g.input("x", c.input);
    const auto [y, step] = c.build(g, x, c.input[1]);
    g.output(y);
    const auto input = g.random_tensor(c.input, -2.0f, 2.0f);
    const auto out = run_both(g.graph(), {input});
    expect_close(out, step * 1.001f);
    EXPECT_NE(out.plan.find(c.expect_in_plan), std::string::npos)
        << "plan:\n" << out.plan;
}

std::vector<Int8Case> int8_cases() {
    std::vector<Int8Case> cases;
    for (const Shape& s : {Shape{1, 8, 12, 12}, Shape{2, 16, 9, 7}, Shape{1, 3, 15, 15}}) {
        const std::string tag = std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
        cases.push_back({"ConvU8AsymmetricSrc_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -1.5f, 2.0f, asymmetric());
                             const auto y = g.fq_spec(g.qconv(q, c, 16, 3), -3.0f, 3.0f, asymmetric());
                             return std::pair{y, step_of(-3.0f, 3.0f, asymmetric())}; }, s, sig("A:s8:s8")});
        cases.push_back({"ConvS8SymmetricSrc_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                             const auto y = g.fq_spec(g.qconv(q, c, 8, 3), -3.0f, 3.0f, symmetric_signed());
                             return std::pair{y, step_of(-3.0f, 3.0f, symmetric_signed())}; }, s, sig("s8:s8:s8")});
        cases.push_back({"ConvReluRequantU8_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                             const auto r = g.node("Relu", {g.qconv(q, c, 16, 3, {{"strides", Ints{2, 2}}})});
                             const auto y = g.fq_spec(r, 0.0f, 2.5f, symmetric_unsigned());
                             return std::pair{y, step_of(0.0f, 2.5f, symmetric_unsigned())}; }, s, sig("s8:s8:A")});
        cases.push_back({"ConvDequantizedOutput_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                             // Without VNNI oneDNN halves s8 weights internally (one bit less precision).
                             return std::pair{g.qconv(q, c, 8, 1), cpu::cpu_u8_exact() ? 1e-4f : 2e-2f}; }, s, sig("A:s8:f32")});
        cases.push_back({"DepthwiseConv_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                             const auto y = g.fq_spec(g.node("Relu", {g.qconv(q, c, c, 3, {}, c)}), 0.0f, 2.0f, symmetric_unsigned());
                             return std::pair{y, step_of(0.0f, 2.0f, symmetric_unsigned())}; }, s, sig("A:s8:A")});
        cases.push_back({"ResidualAdd_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                             const auto a = g.node("Relu", {g.qconv(q, c, 16, 3)});
                             const auto aq = g.fq_spec(a, 0.0f, 2.0f, symmetric_unsigned());
                             const auto b = g.qconv(aq, 16, 16, 3);
                             const auto sum = g.node("Relu", {g.node("Add", {b, aq})});
                             const auto y = g.fq_spec(sum, 0.0f, 4.0f, symmetric_unsigned());
                             return std::pair{y, step_of(0.0f, 4.0f, symmetric_unsigned())}; }, s, "+sum +Relu"});
        // Two linear post-ops (HardSigmoid's, the requantization's): oneDNN 2.x jit kernels keep
        // one set of parameters per eltwise algorithm in a chain, so the engine must merge them.
        cases.push_back({"ConvHardSigmoidRequant_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                             const auto h = g.node("HardSigmoid", {g.qconv(q, c, 16, 3)}, {{"alpha", 0.3f}, {"beta", 0.4f}});
                             const auto y = g.fq_spec(h, 0.0f, 1.0f, asymmetric());
                             return std::pair{y, step_of(0.0f, 1.0f, asymmetric())}; }, s, sig("s8:s8:A")});
        cases.push_back({"ConvScaleShiftClipRequant_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                             auto v = g.node("Mul", {g.qconv(q, c, 16, 1), g.constant(Tensor::from_vector<float>({}, {1.7f}))});
                             v = g.node("Add", {v, g.constant(Tensor::from_vector<float>({}, {-0.3f}))});
                             v = g.node("Relu", {v});
                             const auto y = g.fq_spec(v, 0.0f, 1.5f, QuantSpec{8, true, true, true});
                             return std::pair{y, step_of(0.0f, 1.5f, QuantSpec{8, true, true, true})}; }, s, "convolution"});
        cases.push_back({"ConvChainRequantFolded_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             auto v = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                             int64_t in = c;
                             for (int i = 0; i < 3; ++i) {
                                 v = g.fq_spec(g.node("Relu", {g.qconv(v, in, 16, 3)}), 0.0f, 2.0f, symmetric_unsigned());
                                 in = 16;
                             }
                             return std::pair{v, 3 * step_of(0.0f, 2.0f, symmetric_unsigned())}; }, s, sig("A:s8:A")});
        cases.push_back({"MaxPoolStaysInt8_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, 0.0f, 2.0f, symmetric_unsigned());
                             const auto p = g.node("MaxPool", {q}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
                             const auto y = g.fq_spec(g.qconv(p, c, 8, 3), -2.0f, 2.0f, symmetric_signed());
                             return std::pair{y, step_of(-2.0f, 2.0f, symmetric_signed())}; }, s, sig("pooling A:A")});
        cases.push_back({"PadOfCodesFillsTheZeroPoint_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             // An asymmetric encoding: the padded zeros are the zero point's code.
                             const auto q = g.fq_spec(x, -1.5f, 2.0f, asymmetric());
                             const auto pads = g.constant(Tensor::from_vector<int64_t>({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
                             const auto y = g.fq_spec(g.qconv(g.node("Pad", {q, pads}), c, 8, 3), -3.0f, 3.0f, asymmetric());
                             return std::pair{y, step_of(-3.0f, 3.0f, asymmetric())}; }, s, "pad"});
        cases.push_back({"ConvTransposeReluRequant_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const auto q = g.fq_spec(x, -1.5f, 2.0f, asymmetric());
                             // ONNX's [C_in, C_out, k, k]: the output channel is axis 1.
                             const auto w = g.fq_weights(g.random_constant({c, 8, 3, 3}, -0.4f, 0.4f), 1);
                             const auto d = g.node("ConvTranspose", {q, w, g.random_constant({8}, -0.2f, 0.2f)},
                                                   {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}},
                                                    {"output_padding", Ints{1, 1}}});
                             const auto y = g.fq_spec(g.node("Relu", {d}), 0.0f, 3.0f, symmetric_unsigned());
                             return std::pair{y, step_of(0.0f, 3.0f, symmetric_unsigned())}; }, s,
                         "deconvolution +Relu +requantize " + sig("A:s8:A")});
        cases.push_back({"SevenBitActivations_" + tag, [](GraphBuilder& g, const std::string& x, int64_t c) {
                             const QuantSpec seven{7, false, true, false};
                             const auto q = g.fq_spec(x, -1.0f, 1.0f, seven);
                             const auto y = g.fq_spec(g.node("Relu", {g.qconv(q, c, 8, 3)}), 0.0f, 1.0f, QuantSpec{7, true, false, false});
                             return std::pair{y, step_of(0.0f, 1.0f, QuantSpec{7, true, false, false})}; }, s, sig(":s8:A")});
    }
    for (const Shape& s : {Shape{1, 64}, Shape{4, 40}, Shape{3, 128}}) {
        const std::string tag = std::to_string(s[0]) + "x" + std::to_string(s[1]);
        cases.push_back({"GemmInt8_" + tag, [](GraphBuilder& g, const std::string& x, int64_t k) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, asymmetric());
                             const auto w = g.fq_weights(g.random_constant({10, k}, -0.3f, 0.3f), 0);
                             const auto gemm = g.node("Gemm", {q, w, g.random_constant({10})}, {{"transB", int64_t{1}}});
                             const auto y = g.fq_spec(gemm, -4.0f, 4.0f, symmetric_signed());
                             return std::pair{y, step_of(-4.0f, 4.0f, symmetric_signed())}; }, s, sig("A:s8:s8")});
        cases.push_back({"MatMulInt8Relu_" + tag, [](GraphBuilder& g, const std::string& x, int64_t k) {
                             const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
                             const auto w = g.fq_weights(g.random_constant({k, 12}, -0.3f, 0.3f), 1);
                             const auto r = g.node("Relu", {g.node("MatMul", {q, w})});
                             const auto y = g.fq_spec(r, 0.0f, 3.0f, symmetric_unsigned());
                             return std::pair{y, step_of(0.0f, 3.0f, symmetric_unsigned())}; }, s, sig("s8:s8:A")});
    }
    return cases;
}
INSTANTIATE_TEST_SUITE_P(Quantized, Int8Graph, ::testing::ValuesIn(int8_cases()),
                         [](const auto& info) { return info.param.name; });

// 7-bit weights (127 levels) are what DefaultQuantization writes for CPUs without VNNI; there
// oneDNN halves s8 weight codes unless the engine hands them over doubled. Exact on every CPU.
TEST(CpuEngineInt8, SevenBitWeightsOnSignedSourceMatchReference) {
    for (const Shape& s : {Shape{1, 8, 12, 12}, Shape{2, 16, 9, 7}}) {
        GraphBuilder g(11);
        const auto x = g.input("x", s);
        const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
        g.output(g.qconv(q, s[1], 16, 3, {}, 1, 127));
        // Float output: no output rounding hides a lost weight bit.
        expect_close(run_both(g.graph(), {g.random_tensor(s, -2.0f, 2.0f)}), 1e-4f);
    }
}

TEST(CpuEngineInt8, QuantizedConvRunsAsInt8Primitive) {
    GraphBuilder g(3);
    const auto x = g.input("x", {1, 16, 14, 14});
    const auto q = g.fq_spec(x, 0.0f, 2.0f, symmetric_unsigned());
    g.output(g.fq_spec(g.node("Relu", {g.qconv(q, 16, 32, 3)}), 0.0f, 2.0f, symmetric_unsigned()));
    cpu::CpuEngine engine;
    auto engine_model = engine.compile(g.graph());
    engine_model->infer({g.random_tensor({1, 16, 14, 14})});
    const std::string plan = cpu::CpuEngine::describe_plan(*engine_model);
    const auto line_start = plan.find("convolution");
    ASSERT_NE(line_start, std::string::npos) << plan;
    const std::string line = plan.substr(line_start, plan.find('\n', line_start) - line_start);
    EXPECT_NE(line.find(sig("A:s8:A")), std::string::npos) << line;
    EXPECT_EQ(line.find("f32"), std::string::npos) << line;
    EXPECT_EQ(line.find("ref"), std::string::npos) << "int8 convolution fell back to oneDNN's reference code: " << line;
}

TEST(CpuEngineInt8, SevenBitDenseLayersAreExactAndAvoidThePackingGemm) {
    // Without VNNI oneDNN runs int8 matmuls on a GEMM that repacks the weights per call; the
    // engine runs them as 1x1 int8 convolutions there. Either way the result is exact.
    for (const bool transposed : {true, false}) {
        for (const int64_t m : {int64_t{1}, int64_t{5}}) {
            GraphBuilder g(12);
            const auto x = g.input("x", {m, 96});
            const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
            const Shape w_shape = transposed ? Shape{40, 96} : Shape{96, 40};
            const auto w = g.fq_weights(g.random_constant(w_shape, -0.3f, 0.3f), transposed ? 0 : 1, 127);
            g.output(g.node("Gemm", {q, w, g.random_constant({40})},
                            {{"transB", int64_t{transposed}}, {"alpha", 0.5f}, {"beta", 2.0f}}));
            const auto out = run_both(g.graph(), {g.random_tensor({m, 96}, -2.0f, 2.0f)});
            expect_close(out, 1e-4f);
            const auto at = out.plan.find("Gemm");
            ASSERT_NE(at, std::string::npos) << out.plan;
            const std::string line = out.plan.substr(at, out.plan.find('\n', at) - at);
            // The input's codes are signed (a symmetric range around zero) on every CPU.
            EXPECT_NE(line.find("s8:s8:f32"), std::string::npos) << line;
            EXPECT_EQ(line.find("ref"), std::string::npos) << line;
            if (!cpu::cpu_u8_exact()) {
                EXPECT_NE(line.find("convolution 1x1"), std::string::npos) << line;
            }
        }
    }
}

TEST(CpuEngineInt8, TokenMatMulTakesTheFollowingBiasAdd) {
    // A Linear layer on [batch, tokens, features] as exported: MatMul, then Add of the bias.
    GraphBuilder g(13);
    const auto x = g.input("x", {1, 6, 96});
    const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
    const auto w = g.fq_weights(g.random_constant({96, 40}, -0.3f, 0.3f), 1, 127);
    g.output(g.node("Add", {g.node("MatMul", {q, w}), g.random_constant({40})}));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 6, 96}, -2.0f, 2.0f)});
    expect_close(out, 1e-4f);
    const auto at = out.plan.find("MatMul");
    ASSERT_NE(at, std::string::npos) << out.plan;
    const std::string line = out.plan.substr(at, out.plan.find('\n', at) - at);
    EXPECT_NE(line.find("+bias"), std::string::npos) << out.plan;
    EXPECT_EQ(out.plan.find("binary"), std::string::npos) << out.plan;
    EXPECT_EQ(line.find("ref"), std::string::npos) << line;
}

// Attention as a quantized transformer exports it: both operands of each batched MatMul come
// through quantizers. The engine multiplies their codes (int32 sums, exact) where oneDNN has VNNI
// kernels for it; the float path elsewhere gives the same numbers up to f32 rounding.
TEST(CpuEngineInt8, AttentionMatMulsMultiplyCodes) {
    GraphBuilder g(17);
    const Shape shape{2, 6, 16};  // [batch * heads, tokens, head size]
    const auto x = g.input("x", shape);
    const auto q = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
    const auto k = g.fq_spec(g.node("Transpose", {g.node("Mul", {x, g.random_constant({16}, -1.5f, 1.5f)})},
                                    {{"perm", Ints{0, 2, 1}}}),
                             -3.0f, 3.0f, symmetric_signed());
    // Q . K^T, scaled: the Mul is a post-op of the int8 matmul.
    const auto scores = g.node("Mul", {g.node("MatMul", {q, k}), g.constant(Tensor::scalar(0.25f))});
    const auto p = g.fq_spec(g.node("Softmax", {scores}, {{"axis", int64_t{-1}}}), 0.0f, 1.0f, symmetric_unsigned());
    const auto v = g.fq_spec(g.node("Add", {x, g.random_constant({16}, -0.5f, 0.5f)}), -2.5f, 2.5f,
                             symmetric_signed());
    // P . V, requantized to the next layer's grid.
    g.output(g.fq_spec(g.node("MatMul", {p, v}), -2.5f, 2.5f, symmetric_signed()));
    g.output(scores);
    const auto out = run_both(g.graph(), {g.random_tensor(shape, -2.0f, 2.0f)});
    ASSERT_EQ(out.cpu.size(), 2u);
    // The requantized output within one step (a product on a rounding boundary may land either
    // side), the scores within float rounding of the reference's f32 products.
    EXPECT_LE(max_abs_diff(out.cpu[0], out.reference[0]), step_of(-2.5f, 2.5f, symmetric_signed()) * 1.001f);
    EXPECT_LE(max_abs_diff(out.cpu[1], out.reference[1]), 1e-4f);
    const auto matmuls = lines_with(out.plan, "matmul");
    ASSERT_EQ(matmuls.size(), 2u) << out.plan;
    for (const auto& line : matmuls) EXPECT_EQ(line.find("ref"), std::string::npos) << line;
    if (cpu::cpu_u8_exact()) {
        EXPECT_NE(matmuls[0].find("s8:s8:f32"), std::string::npos) << out.plan;
        EXPECT_NE(matmuls[0].find("+Mul"), std::string::npos) << out.plan;
        EXPECT_NE(matmuls[1].find("u8:s8:s8"), std::string::npos) << out.plan;
        EXPECT_NE(matmuls[1].find("+requantize"), std::string::npos) << out.plan;
        // No operand is turned back into floats for them: the one dequantization is the graph
        // output's.
        EXPECT_EQ(lines_with(out.plan, "dequantize").size(), 1u) << out.plan;
    }
}

TEST(CpuEngineInt8, AsymmetricSecondOperandOfABatchedMatMulStaysFloat) {
    // oneDNN's int8 matmul takes its second operand without a zero point: this one runs in f32.
    GraphBuilder g(18);
    const Shape shape{2, 5, 8};
    const auto x = g.input("x", shape);
    const auto a = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
    const auto b = g.fq_spec(g.node("Transpose", {x}, {{"perm", Ints{0, 2, 1}}}), -1.0f, 2.0f, asymmetric());
    g.output(g.node("MatMul", {a, b}));
    const auto out = run_both(g.graph(), {g.random_tensor(shape, -2.0f, 2.0f)});
    expect_close(out, 1e-4f);
    const auto matmuls = lines_with(out.plan, "matmul");
    ASSERT_EQ(matmuls.size(), 1u) << out.plan;
    EXPECT_NE(matmuls[0].find("f32:f32:f32"), std::string::npos) << out.plan;
}

TEST(CpuEngineInt8, ResidualAddOfSymmetricCodesRunsOnCodes) {
    // Both inputs of the Add are held as s8 codes of symmetric quantizers: the second convolution
    // adds the first one's codes as a sum post-op and requantizes, with no float copy of either.
    GraphBuilder g(6);
    const auto x = g.input("x", {1, 8, 12, 12});
    const auto in = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
    const auto left = g.fq_spec(g.qconv(in, 8, 8, 3, {}, 1, 127), -3.0f, 3.0f, symmetric_signed());
    const auto right = g.fq_spec(g.qconv(in, 8, 8, 1, {}, 1, 127), -2.0f, 2.0f, symmetric_signed());
    g.output(g.fq_spec(g.node("Add", {left, right}), -4.0f, 4.0f, symmetric_signed()));
    const auto input = g.random_tensor({1, 8, 12, 12}, -2.0f, 2.0f);
    const auto out = run_both(g.graph(), {input});
    expect_close(out, step_of(-4.0f, 4.0f, symmetric_signed()) * 1.001f);
    const auto line_start = out.plan.find("+requantize +sum +requantize s8:s8:s8");
    ASSERT_NE(line_start, std::string::npos) << out.plan;
    const std::string line = out.plan.substr(line_start, out.plan.find('\n', line_start) - line_start);
    // The only dequantization is of the graph output.
    EXPECT_EQ(out.plan.substr(0, line_start).find("dequantize"), std::string::npos) << out.plan;
    EXPECT_EQ(line.find("ref"), std::string::npos) << line;
}

// A bottleneck block as DefaultQuantization leaves it: the last convolution's result is rounded
// to its own grid, added to the block input's codes, Relu, requantized. The convolution does all
// of it: the rounding as post-ops, the residual as a sum post-op reading its codes in place.
struct ResidualSumCase {
    const char* name;
    QuantSpec input, branch, output;
    float in_lo, in_hi, branch_lo, branch_hi, out_lo, out_hi;
};

class Int8ResidualSum : public ::testing::TestWithParam<ResidualSumCase> {};

TEST_P(Int8ResidualSum, ConvolutionAddsTheResidualCodesInPlace) {
    if (!cpu::cpu_u8_exact()) GTEST_SKIP() << "CPU lacks VNNI (see Int8Graph)";
    const ResidualSumCase& c = GetParam();
    GraphBuilder g(8);
    const auto x = g.input("x", {1, 16, 10, 10});
    const auto block_in = g.fq_spec(x, c.in_lo, c.in_hi, c.input);
    const auto mid = g.fq_spec(g.node("Relu", {g.qconv(block_in, 16, 8, 1)}), 0.0f, 2.0f, symmetric_unsigned());
    const auto branch = g.fq_spec(g.qconv(mid, 8, 16, 3), c.branch_lo, c.branch_hi, c.branch);
    const auto sum = g.node("Relu", {g.node("Add", {branch, block_in})});
    g.output(g.fq_spec(sum, c.out_lo, c.out_hi, c.output));
    const auto input = g.random_tensor({1, 16, 10, 10}, -2.0f, 2.0f);
    const auto out = run_both(g.graph(), {input});
    // The same rounding as the graph's: ties of the float arithmetic aside, equal codes.
    expect_close(out, step_of(c.out_lo, c.out_hi, c.output) * 1.001f);
    const auto at = out.plan.find("+requantize +sum +Relu +requantize");
    ASSERT_NE(at, std::string::npos) << out.plan;
    const std::string line = out.plan.substr(at, out.plan.find('\n', at) - at);
    EXPECT_EQ(line.find("ref"), std::string::npos) << line;
    EXPECT_EQ(out.plan.find("binary"), std::string::npos) << out.plan;
    // The residual is not copied: no reorder between the first convolution and the fused one
    // (the block input's reorder into the convolutions' layout comes before).
    const auto first = out.plan.find("convolution");
    EXPECT_EQ(out.plan.substr(first, at - first).find("reorder"), std::string::npos) << out.plan;
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, Int8ResidualSum,
    ::testing::Values(
        ResidualSumCase{"Symmetric", symmetric_signed(), symmetric_signed(), symmetric_signed(), -2.0f, 2.0f,
                        -3.0f, 3.0f, -4.0f, 4.0f},
        // Residual and result in different types and scales, codes with zero points.
        ResidualSumCase{"AsymmetricResidualUnsignedResult", asymmetric(), asymmetric(), symmetric_unsigned(), -1.5f,
                        2.5f, -2.0f, 3.5f, 0.0f, 5.0f},
        // A branch grid narrower than its values: the rounding saturates at the grid's ends first.
        ResidualSumCase{"SaturatingBranch", symmetric_signed(), asymmetric(), asymmetric(), -2.0f, 2.0f, -0.5f,
                        0.4f, -1.0f, 3.0f}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CpuEngineInt8, ResidualStillReadLaterIsNotOverwritten) {
    // The block input is also a graph output: the sum cannot write over its codes, so the Add runs
    // on its own and both outputs match the reference.
    if (!cpu::cpu_u8_exact()) GTEST_SKIP() << "CPU lacks VNNI (see Int8Graph)";
    GraphBuilder g(9);
    const auto x = g.input("x", {1, 16, 6, 6});
    const auto block_in = g.fq_spec(x, -2.0f, 2.0f, symmetric_signed());
    const auto mid = g.fq_spec(g.node("Relu", {g.qconv(block_in, 16, 8, 1)}), 0.0f, 2.0f, symmetric_unsigned());
    const auto branch = g.fq_spec(g.qconv(mid, 8, 16, 3), -3.0f, 3.0f, symmetric_signed());
    g.output(g.fq_spec(g.node("Add", {branch, block_in}), -4.0f, 4.0f, symmetric_signed()));
    g.output(block_in);
    const auto out = run_both(g.graph(), {g.random_tensor({1, 16, 6, 6}, -2.0f, 2.0f)});
    expect_close(out, step_of(-4.0f, 4.0f, symmetric_signed()) * 1.001f);
    EXPECT_EQ(out.plan.find("+sum"), std::string::npos) << out.plan;
}

TEST(CpuEngineInt8, BatchNormalizationBeforeAQuantizerWritesTheCodes) {
    // DenseNet's Concat -> BatchNormalization -> Relu -> FakeQuantize, from float features (a
    // concat of differently scaled codes) and from codes: one binary primitive normalizes, applies
    // the Relu and writes the codes, with no float normalization or separate quantization.
    for (const bool from_codes : {false, true}) {
        SCOPED_TRACE(from_codes ? "input held as codes" : "float input");
        GraphBuilder g(8);
        const auto x = g.input("x", {1, 8, 10, 10});
        const auto features = from_codes ? g.fq_spec(x, -2.0f, 2.0f, symmetric_signed())
                                         : g.node("Concat", {x, g.conv(x, 8, 8, 3)}, {{"axis", int64_t{1}}});
        const Shape c{from_codes ? 8 : 16};
        const auto bn = g.node("BatchNormalization", {features, g.random_constant(c, 0.5f, 1.5f), g.random_constant(c),
                                                      g.random_constant(c), g.random_constant(c, 0.2f, 2.0f)});
        g.output(g.fq_spec(g.node("Relu", {bn}), 0.0f, 3.0f, symmetric_unsigned()));
        const auto out = run_both(g.graph(), {g.random_tensor({1, 8, 10, 10}, -2.0f, 2.0f)});
        expect_close(out, step_of(0.0f, 3.0f, symmetric_unsigned()) * 1.001f);
        const auto lines = lines_with(out.plan, "binary BatchNormalization +Relu +requantize");
        ASSERT_EQ(lines.size(), 1u) << out.plan;
        EXPECT_EQ(lines[0].find(from_codes ? "s8:f32:" : "f32:f32:"), lines[0].find("requantize ") + 11) << lines[0];
        EXPECT_TRUE(lines_with(out.plan, "batch_normalization").empty()) << out.plan;
        // Only the model input is quantized (from_codes), and only the output dequantized.
        EXPECT_EQ(lines_with(out.plan, ": quantize ").size(), from_codes ? 1u : 0u) << out.plan;
        EXPECT_EQ(lines_with(out.plan, ": dequantize ").size(), 1u) << out.plan;
        expect_no_reference_code(out.plan);
    }
}

TEST(CpuEngineInt8, AsymmetricCodesOfASevenBySevenMapDequantizeWithTheirZeroPoint) {
    // ConvNeXt's last stage: a convolution writes channels-last u8 codes with a zero point on a
    // [1, C, 7, 7] map, read back as plain floats. oneDNN 2.6's reorder drops the zero point when it
    // changes that layout in the same pass (every value off by zero_point * scale).
    for (const int64_t channels : {64, 768}) {
        SCOPED_TRACE(channels);
        GraphBuilder g(9);
        const auto x = g.input("x", {1, channels, 7, 7});
        const auto q = g.fq_spec(x, -1.5f, 2.0f, asymmetric());
        g.output(g.fq_spec(g.qconv(q, channels, channels, 1, {}, 1, 127), -1.0f, 3.0f, asymmetric()));
        const auto out = run_both(g.graph(), {g.random_tensor({1, channels, 7, 7}, -1.5f, 2.0f)});
        expect_close(out, step_of(-1.0f, 3.0f, asymmetric()) * 1.001f);
        expect_no_reference_code(out.plan);
    }
}

TEST(CpuEngineInt8, QuantizedMaxPoolAfterAFloatConvolutionAvoidsReferenceCode) {
    // A layer left in float (as AccuracyAwareQuantization leaves some) writes a blocked f32 layout;
    // the codes quantized from it must still be pooled by a jit kernel.
    GraphBuilder g(5);
    const auto x = g.input("x", {1, 8, 12, 12});
    const auto f = g.fq_spec(g.node("Relu", {g.conv(x, 8, 16, 3)}), 0.0f, 2.0f, symmetric_unsigned());
    const auto pooled = g.node("MaxPool", {f}, {{"kernel_shape", std::vector<int64_t>{2, 2}},
                                                {"strides", std::vector<int64_t>{2, 2}}});
    g.output(g.qconv(pooled, 16, 16, 3, {}, 1, 127));  // 7-bit weights: exact on every CPU
    cpu::CpuEngine engine;
    auto engine_model = engine.compile(g.graph());
    const auto input = g.random_tensor({1, 8, 12, 12});
    engine_model->infer({input});
    const std::string plan = cpu::CpuEngine::describe_plan(*engine_model);
    const auto line_start = plan.find("pooling");
    ASSERT_NE(line_start, std::string::npos) << plan;
    const std::string line = plan.substr(line_start, plan.find('\n', line_start) - line_start);
    EXPECT_EQ(line.find("f32"), std::string::npos) << "the pooling should run on codes: " << line;
    EXPECT_EQ(line.find("ref"), std::string::npos) << "int8 pooling fell back to oneDNN's reference code: " << line;
    expect_close(run_both(g.graph(), {input}), 1e-4f);
}

TEST(CpuEngineInt8, FloatModelRunsInF32Only) {
    GraphBuilder g(3);
    const auto x = g.input("x", {1, 8, 10, 10});
    g.output(g.node("Relu", {g.conv(x, 8, 8, 3)}));
    cpu::CpuEngine engine;
    auto engine_model = engine.compile(g.graph());
    engine_model->infer({g.random_tensor({1, 8, 10, 10})});
    const std::string plan = cpu::CpuEngine::describe_plan(*engine_model);
    EXPECT_EQ(plan.find("u8"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("s8"), std::string::npos) << plan;
    EXPECT_NE(plan.find("convolution +Relu f32:f32:f32"), std::string::npos) << plan;
}

TEST(CpuEngineInt8, PerChannelActivationQuantizationFallsBackToFloat) {
    GraphBuilder g(9);
    const auto x = g.input("x", {1, 4, 6, 6});
    const auto lo = g.constant(Tensor::from_vector<float>({1, 4, 1, 1}, {-1, -2, -1, -2}));
    const auto hi = g.constant(Tensor::from_vector<float>({1, 4, 1, 1}, {1, 2, 1, 2}));
    const auto q = g.node(kFakeQuantizeOp, {x, lo, hi, lo, hi}, {{"levels", int64_t{256}}}, kFakeQuantizeDomain);
    g.output(g.qconv(q, 4, 8, 3));
    const auto out = run_both(g.graph(), {g.random_tensor({1, 4, 6, 6}, -2.0f, 2.0f)});
    expect_close(out, 1e-4f);
    EXPECT_NE(out.plan.find("reference FakeQuantize"), std::string::npos) << out.plan;
}

TEST(CpuEngineInt8, QuantizeLinearCodesAsAGraphOutputStayIntegers) {
    // A QDQ model may also return the codes it quantizes (the QuantizeLinear's output is a graph
    // output, so the pair is not folded into a FakeQuantize): the DequantizeLinear reading them and
    // the caller both get the integers, as the reference engine and ONNX Runtime return them.
    for (const DType type : {DType::I8, DType::U8}) {
        SCOPED_TRACE(dtype_name(type));
        GraphBuilder g(3);
        const auto x = g.input("x", {1, 4, 6, 6});
        const auto scale = g.constant(Tensor::scalar(0.05f));
        const auto zero = g.constant(type == DType::I8 ? Tensor::from_vector<int8_t>({}, {3})
                                                       : Tensor::from_vector<uint8_t>({}, {128}));
        const auto codes = g.node("QuantizeLinear", {x, scale, zero});
        const auto y = g.node("Relu", {g.node("DequantizeLinear", {codes, scale, zero})});
        g.output(y);
        g.graph().outputs.push_back({codes, type, {}});
        const auto out = run_both(g.graph(), {g.random_tensor({1, 4, 6, 6}, -8.0f, 8.0f)});
        ASSERT_EQ(out.cpu.size(), 2u);
        EXPECT_EQ(out.cpu[1].dtype(), type);
        const auto ints = out.cpu[1].to_ints();
        EXPECT_EQ(ints, out.reference[1].to_ints());
        // Inputs reach past the code range both ways: the codes saturate at both ends.
        EXPECT_EQ(*std::min_element(ints.begin(), ints.end()), type == DType::I8 ? -128 : 0);
        EXPECT_EQ(*std::max_element(ints.begin(), ints.end()), type == DType::I8 ? 127 : 255);
        EXPECT_EQ(max_abs_diff(out.cpu[0], out.reference[0]), 0.0f);
    }
}

}  // namespace
}  // namespace pot::test
