#include <gtest/gtest.h>

#include "pot/activation_patterns.hpp"

namespace {

using pot::Graph;
using pot::Node;
using pot::Tensor;

/// A graph x -> Relu -> r, followed by whatever a test adds reading r; "r" is the value matched.
class Spelled {
public:
    explicit Spelled(int64_t opset = 13) {
        g.opset = opset;
        g.inputs.push_back({"x", pot::DType::F32, {1, 4}});
        add("relu", "Relu", {"x"}, "r");
    }

    std::string scalar(float value) {
        std::string name = "c";
        name += std::to_string(g.initializers.size());
        g.initializers[name] = Tensor::scalar(value);
        return name;
    }

    std::string add(const std::string& name, const std::string& op, std::vector<std::string> in,
                    std::string out, std::map<std::string, pot::Attribute> attributes = {}) {
        g.nodes.push_back(Node{name, op, "", std::move(in), {out}, std::move(attributes)});
        return out;
    }

    /// relu6(r + 3), with the operands of the Add in the order given.
    std::string shifted_relu6(bool constant_first = false) {
        const std::string three = scalar(3.0f);
        const auto sum = add("add3", "Add", constant_first ? std::vector<std::string>{three, "r"}
                                                             : std::vector<std::string>{"r", three},
                             "s");
        return add("clip", "Clip", {sum, scalar(0.0f), scalar(6.0f)}, "c");
    }

    std::optional<pot::SpelledActivation> match() {
        g.outputs = {{g.nodes.back().outputs[0], pot::DType::F32, {1, 4}}};
        return pot::match_spelled_activation(g, "r");
    }

    std::vector<std::string> matched_names() {
        std::vector<std::string> names;
        const auto m = match();
        if (m)
            for (size_t i : m->nodes) names.push_back(g.nodes[i].name);
        return names;
    }

    Graph g;
};

using Names = std::vector<std::string>;

TEST(SpelledActivation, HardSwishWithTheDivisionLast) {
    Spelled s;
    const auto gate = s.shifted_relu6();
    const auto product = s.add("mul", "Mul", {"r", gate}, "m");
    s.add("div", "Div", {product, s.scalar(6.0f)}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "HardSwish");
    EXPECT_EQ(m->input, "r");
    EXPECT_EQ(m->output, "y");
    EXPECT_EQ(s.matched_names(), (Names{"add3", "clip", "mul", "div"}));
}

TEST(SpelledActivation, HardSwishWithTheGateScaledFirstAndOperandsSwapped) {
    Spelled s;
    const auto gate = s.shifted_relu6(true);
    const auto scaled = s.add("sixth", "Mul", {s.scalar(1.0f / 6.0f), gate}, "h");
    s.add("mul", "Mul", {scaled, "r"}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "HardSwish");
    EXPECT_EQ(m->output, "y");
    EXPECT_EQ(s.matched_names(), (Names{"add3", "clip", "sixth", "mul"}));
}

TEST(SpelledActivation, HardSwishWithClipBoundsAsAttributesBeforeOpset11) {
    Spelled s(10);
    const auto sum = s.add("add3", "Add", {"r", s.scalar(3.0f)}, "s");
    const auto gate = s.add("clip", "Clip", {sum}, "c", {{"min", 0.0f}, {"max", 6.0f}});
    const auto product = s.add("mul", "Mul", {"r", gate}, "m");
    s.add("div", "Div", {product, s.scalar(6.0f)}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "HardSwish");
}

TEST(SpelledActivation, HardSwishThroughHardSigmoid) {
    Spelled s;
    const auto gate = s.add("hs", "HardSigmoid", {"r"}, "h", {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
    s.add("mul", "Mul", {"r", gate}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "HardSwish");
    EXPECT_EQ(s.matched_names(), (Names{"hs", "mul"}));
}

TEST(SpelledActivation, HardSigmoidWithOtherCoefficientsIsNotHardSwish) {
    Spelled s;
    const auto gate = s.add("hs", "HardSigmoid", {"r"}, "h");  // ONNX default alpha 0.2
    s.add("mul", "Mul", {"r", gate}, "y");
    EXPECT_FALSE(s.match());
}

TEST(SpelledActivation, Swish) {
    Spelled s;
    const auto gate = s.add("sigmoid", "Sigmoid", {"r"}, "g");
    s.add("mul", "Mul", {gate, "r"}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "Swish");
    EXPECT_EQ(m->output, "y");
    EXPECT_EQ(s.matched_names(), (Names{"sigmoid", "mul"}));
}

TEST(SpelledActivation, GeluAsPyTorchExportsIt) {
    Spelled s;
    const auto scaled = s.add("div", "Div", {"r", s.scalar(1.4142135f)}, "d");
    const auto erf = s.add("erf", "Erf", {scaled}, "e");
    const auto gate = s.add("add1", "Add", {erf, s.scalar(1.0f)}, "g");
    const auto product = s.add("mul", "Mul", {"r", gate}, "m");
    s.add("half", "Mul", {product, s.scalar(0.5f)}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "Gelu");
    EXPECT_EQ(m->output, "y");
    EXPECT_EQ(s.matched_names(), (Names{"div", "erf", "add1", "mul", "half"}));
}

TEST(SpelledActivation, GeluWithTheHalvingFirst) {
    Spelled s;
    const auto scaled = s.add("inv_sqrt2", "Mul", {"r", s.scalar(0.70710678f)}, "d");
    const auto gate = s.add("add1", "Add", {s.scalar(1.0f), s.add("erf", "Erf", {scaled}, "e")}, "g");
    const auto half = s.add("half", "Mul", {s.scalar(0.5f), "r"}, "h");
    s.add("mul", "Mul", {half, gate}, "y");
    const auto m = s.match();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op_type, "Gelu");
    EXPECT_EQ(s.matched_names(), (Names{"inv_sqrt2", "erf", "add1", "half", "mul"}));
}

TEST(SpelledActivation, ErfOfAnotherScaleIsNotGelu) {
    Spelled s;
    const auto scaled = s.add("div", "Div", {"r", s.scalar(2.0f)}, "d");
    const auto gate = s.add("add1", "Add", {s.add("erf", "Erf", {scaled}, "e"), s.scalar(1.0f)}, "g");
    const auto product = s.add("mul", "Mul", {"r", gate}, "m");
    s.add("half", "Mul", {product, s.scalar(0.5f)}, "y");
    EXPECT_FALSE(s.match());
}

TEST(SpelledActivation, WrongConstantsDoNotMatch) {
    for (const float shift : {2.0f, 3.001f}) {
        Spelled s;
        const auto sum = s.add("add", "Add", {"r", s.scalar(shift)}, "s");
        const auto gate = s.add("clip", "Clip", {sum, s.scalar(0.0f), s.scalar(6.0f)}, "c");
        const auto product = s.add("mul", "Mul", {"r", gate}, "m");
        s.add("div", "Div", {product, s.scalar(6.0f)}, "y");
        EXPECT_FALSE(s.match()) << shift;
    }
    Spelled s;
    const auto gate = s.shifted_relu6();
    const auto product = s.add("mul", "Mul", {"r", gate}, "m");
    s.add("div", "Div", {product, s.scalar(5.0f)}, "y");
    EXPECT_FALSE(s.match());
}

TEST(SpelledActivation, ADivisorInFrontIsNotAScale) {
    Spelled s;
    const auto gate = s.shifted_relu6();
    const auto product = s.add("mul", "Mul", {"r", gate}, "m");
    s.add("div", "Div", {s.scalar(6.0f), product}, "y");  // 6 / (x * relu6(x + 3))
    EXPECT_FALSE(s.match());
}

TEST(SpelledActivation, AnInnerValueReadElsewhereOrAnOutputStopsTheMatch) {
    {
        Spelled s;
        const auto gate = s.add("sigmoid", "Sigmoid", {"r"}, "g");
        s.add("mul", "Mul", {gate, "r"}, "y");
        s.add("other", "Relu", {gate}, "z");  // the gate is needed on its own
        s.g.outputs = {{"y", pot::DType::F32, {1, 4}}, {"z", pot::DType::F32, {1, 4}}};
        EXPECT_FALSE(pot::match_spelled_activation(s.g, "r"));
    }
    {
        Spelled s;
        const auto gate = s.add("sigmoid", "Sigmoid", {"r"}, "g");
        s.add("mul", "Mul", {gate, "r"}, "y");
        s.g.outputs = {{"y", pot::DType::F32, {1, 4}}, {"g", pot::DType::F32, {1, 4}}};
        EXPECT_FALSE(pot::match_spelled_activation(s.g, "r"));
    }
}

TEST(SpelledActivation, AThirdReaderOfTheInputStopsTheMatch) {
    Spelled s;
    const auto gate = s.add("sigmoid", "Sigmoid", {"r"}, "g");
    s.add("other", "Relu", {"r"}, "z");
    s.add("mul", "Mul", {gate, "r"}, "y");
    EXPECT_FALSE(s.match());
}

TEST(SpelledActivation, SquareIsNotSwish) {
    Spelled s;
    s.add("sq", "Mul", {"r", "r"}, "q");
    s.add("sigmoid", "Sigmoid", {"r"}, "y");
    EXPECT_FALSE(s.match());
}

}  // namespace
