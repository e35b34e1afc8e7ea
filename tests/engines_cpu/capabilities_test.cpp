// The hardware config that tells MinMax where to quantize for the CPU target must ask only for
// what the cpu engine runs in INT8: a quantizer it cannot use costs accuracy and buys no speed.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cpu_engine.hpp"
#include "engine_compare.hpp"

namespace pot::test {
namespace {

nlohmann::json hardware_config(const std::string& target) {
    const auto file = std::filesystem::path(POT_SOURCE_DIR) / "plugins/algorithms/min_max/hardware" / (target + ".json");
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

const Int8Op* find_op(const EngineCapabilities& c, const std::string& type) {
    for (const auto& op : c.int8_ops)
        if (op.type == type) return &op;
    return nullptr;
}

TEST(CpuCapabilities, AgreeWithTheCpuHardwareConfig) {
    const auto caps = cpu::CpuEngine().capabilities();
    const auto config = hardware_config("cpu");
    for (const auto& op : config.at("operations")) {
        const std::string type = op.at("type");
        const Int8Op* cap = find_op(caps, type);
        ASSERT_NE(cap, nullptr) << "cpu.json quantizes " << type << ", which the cpu engine runs in float";
        for (int input : op.at("activations").get<std::vector<int>>())
            EXPECT_NE(std::find(cap->activations.begin(), cap->activations.end(), input), cap->activations.end())
                << type << " input " << input;
        if (op.contains("weights")) {
            EXPECT_EQ(op.at("weights").at("input").get<int>(), cap->weights_input) << type;
            EXPECT_EQ(op.at("weights").at("granularity") == "perchannel", cap->per_channel_weights) << type;
        }
        EXPECT_EQ(op.value("output", false), cap->quantized_output) << type;
    }
    for (const auto& activation : config.at("absorbed_activations"))
        EXPECT_NE(std::find(caps.absorbed_activations.begin(), caps.absorbed_activations.end(), activation),
                  caps.absorbed_activations.end())
            << "cpu.json treats " << activation << " as absorbed; the cpu engine does not fuse it";
}

// Each activation the engine says it absorbs really runs as a post-op of the convolution before it.
TEST(CpuCapabilities, AbsorbedActivationsFuseIntoTheConvolution) {
    for (const auto& activation : cpu::CpuEngine().capabilities().absorbed_activations) {
        GraphBuilder g(4);
        const auto x = g.input("x", {1, 4, 6, 6});
        const auto conv = g.conv(x, 4, 4, 3);
        std::vector<std::string> inputs = {conv};
        if (activation == "Clip") {
            inputs.push_back(g.constant(Tensor::scalar(0.0f)));
            inputs.push_back(g.constant(Tensor::scalar(6.0f)));
        }
        // Log and Sqrt of negative values are NaN in both engines; the plan is what is checked.
        // Swish has no ONNX op and Gelu none before opset 20: they are spelled out.
        if (activation == "Swish") {
            g.output(g.node("Mul", {conv, g.node("Sigmoid", {conv})}));
        } else if (activation == "Gelu") {
            const auto erf = g.node("Erf", {g.node("Div", {conv, g.constant(Tensor::scalar(1.4142135f))})});
            const auto gate = g.node("Add", {erf, g.constant(Tensor::scalar(1.0f))});
            g.output(g.node("Mul", {g.node("Mul", {conv, gate}), g.constant(Tensor::scalar(0.5f))}));
        } else {
            g.output(g.node(activation, inputs));
        }
        const auto out = run_both(g.graph(), {g.random_tensor({1, 4, 6, 6})});
        EXPECT_NE(out.plan.find("convolution +" + activation), std::string::npos) << activation << ":\n" << out.plan;
    }
}

}  // namespace
}  // namespace pot::test
