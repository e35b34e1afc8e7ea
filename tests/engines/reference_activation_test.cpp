#include <cmath>
#include <functional>
#include <limits>

#include "op_tester.hpp"

namespace pot::test {
namespace {

const std::vector<float> kPoints = {-4.0f, -3.0f, -1.0f, -0.5f, 0.0f, 0.25f, 1.0f, 3.0f, 5.0f};

struct UnaryCase {
    std::string name;
    std::string op;
    std::map<std::string, Attribute> attributes;
    std::function<double(double)> expected;  // written independently of the kernel, in double
};

void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.name; }

class UnaryOp : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryOp, MatchesTheFormulaOnEveryPoint) {
    const UnaryCase& c = GetParam();
    OpTester op(c.op);
    for (const auto& [k, v] : c.attributes) op.attr(k, v);
    const auto n = static_cast<int64_t>(kPoints.size());
    const Tensor y = op.input(floats({1, n}, kPoints)).run();
    std::vector<float> expected;
    for (float x : kPoints) expected.push_back(static_cast<float>(c.expected(x)));
    POT_EXPECT_FLOATS(y, Shape({1, n}), expected, 1e-6f);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, UnaryOp,
    ::testing::Values(
        UnaryCase{"Relu", "Relu", {}, [](double x) { return x > 0 ? x : 0.0; }},
        UnaryCase{
            "LeakyReluDefaultAlpha", "LeakyRelu", {}, [](double x) { return x > 0 ? x : x / 100; }},
        UnaryCase{"LeakyReluAlpha",
                  "LeakyRelu",
                  {{"alpha", 0.5f}},
                  [](double x) { return x > 0 ? x : x / 2; }},
        UnaryCase{
            "Sigmoid", "Sigmoid", {}, [](double x) { return std::exp(x) / (std::exp(x) + 1); }},
        UnaryCase{"HardSigmoidDefault",
                  "HardSigmoid",
                  {},
                  [](double x) { return x <= -2.5  ? 0.0
                                        : x >= 2.5 ? 1.0
                                                   : 0.2 * x + 0.5; }},
        UnaryCase{"HardSigmoidAttrs",
                  "HardSigmoid",
                  {{"alpha", 0.5f}, {"beta", 0.25f}},
                  [](double x) { return std::min(1.0, std::max(0.0, 0.5 * x + 0.25)); }},
        UnaryCase{"HardSwish",
                  "HardSwish",
                  {},
                  [](double x) { return x * std::min(6.0, std::max(0.0, x + 3)) / 6; }},
        UnaryCase{"Tanh",
                  "Tanh",
                  {},
                  [](double x) { return (std::exp(2 * x) - 1) / (std::exp(2 * x) + 1); }},
        UnaryCase{"Erf", "Erf", {}, [](double x) { return std::erf(x); }},
        UnaryCase{"Exp", "Exp", {}, [](double x) { return std::pow(2.718281828459045, x); }},
        UnaryCase{"Abs", "Abs", {}, [](double x) { return x < 0 ? -x : x; }},
        UnaryCase{"Neg", "Neg", {}, [](double x) { return 0 - x; }},
        UnaryCase{"Floor", "Floor", {}, [](double x) { return std::floor(x); }},
        UnaryCase{"Ceil", "Ceil", {}, [](double x) { return -std::floor(-x); }},
        UnaryCase{"Identity", "Identity", {}, [](double x) { return x; }}),
    [](const auto& info) { return info.param.name; });

TEST(ReferenceErf, KnownValues) {
    // erf(0.5), erf(1), erf(2) from tables.
    const Tensor y = OpTester("Erf").input(floats({3}, {0.5f, 1.0f, -2.0f})).run();
    POT_EXPECT_FLOATS(y, Shape({3}), std::vector<float>({0.5204999f, 0.8427008f, -0.9953223f}),
                      1e-6f);
}

TEST(ReferenceSqrt, PerfectSquaresAndLog) {
    POT_EXPECT_FLOATS(OpTester("Sqrt").input(floats({4}, {0, 1, 4, 2.25f})).run(), Shape({4}),
                      std::vector<float>({0, 1, 2, 1.5f}), 0.0f);
    POT_EXPECT_FLOATS(OpTester("Log").input(floats({2}, {1.0f, 7.389056f})).run(), Shape({2}),
                      std::vector<float>({0, 2}), 1e-6f);
    POT_EXPECT_FLOATS(OpTester("Reciprocal").input(floats({2}, {4.0f, -0.5f})).run(), Shape({2}),
                      std::vector<float>({0.25f, -2.0f}), 0.0f);
}

TEST(ReferenceClip, Opset11ReadsBoundsFromInputs) {
    const Tensor y = OpTester("Clip")
                         .opset(11)
                         .input(floats({5}, {-2, -0.5f, 0, 0.5f, 2}))
                         .input(Tensor::scalar(-1.0f))
                         .input(Tensor::scalar(0.25f))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({5}), std::vector<float>({-1, -0.5f, 0, 0.25f, 0.25f}), 0.0f);
}

TEST(ReferenceClip, Opset11OmittedMinLeavesLowSideOpen) {
    const Tensor y = OpTester("Clip")
                         .opset(13)
                         .input(floats({3}, {-100, 0, 100}))
                         .omitted()
                         .input(Tensor::scalar(6.0f))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({3}), std::vector<float>({-100, 0, 6}), 0.0f);
}

TEST(ReferenceClip, OpsetBelow11ReadsBoundsFromAttributes) {
    const Tensor y = OpTester("Clip")
                         .opset(9)
                         .attr("min", 0.0f)
                         .attr("max", 6.0f)
                         .input(floats({4}, {-1, 3, 6, 7}))
                         .run();
    POT_EXPECT_FLOATS(y, Shape({4}), std::vector<float>({0, 3, 6, 6}), 0.0f);
}

TEST(ReferenceClip, WithoutBoundsIsIdentity) {
    const Tensor y = OpTester("Clip").opset(9).input(floats({2}, {-1e30f, 1e30f})).run();
    POT_EXPECT_FLOATS(y, Shape({2}), std::vector<float>({-1e30f, 1e30f}), 0.0f);
}

TEST(ReferenceDropout, IsIdentityAtInferenceAndMaskKeepsAll) {
    const auto out = OpTester("Dropout").outputs(2).input(floats({3}, {1, -2, 3})).run_all();
    POT_EXPECT_FLOATS(out[0], Shape({3}), std::vector<float>({1, -2, 3}), 0.0f);
    POT_EXPECT_INTS(out[1], Shape({3}), std::vector<int64_t>({1, 1, 1}));
}

TEST(ReferenceDropout, TrainingModeIsRejected) {
    OpTester op("Dropout");
    op.attr("training_mode", int64_t{1}).input(floats({1}, {1}));
    EXPECT_THROW(op.run(), Error);
}

TEST(ReferenceIdentity, PassesIntegerTensorsThrough) {
    POT_EXPECT_INTS(OpTester("Identity").input(ints1d({7, -3})).run(), Shape({2}),
                    std::vector<int64_t>({7, -3}));
}

TEST(ReferenceUnary, RejectsIntegerInputWithNodeName) {
    try {
        OpTester("Relu").input(ints1d({1})).run();
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("Relu 'node'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("f32"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace pot::test
