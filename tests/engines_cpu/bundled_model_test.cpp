// The bundled Fashion-MNIST model through both engines: FP32 as loaded, and INT8 after
// MinMaxQuantization, on real evaluation images.
#include <algorithm>

#include "engine_compare.hpp"
#include "plan.hpp"
#include "fmnist_example.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "test_host.hpp"

namespace pot::test {
namespace {

Graph bundled_model() { return core::load_onnx(fmnist_example_dir() / "fmnist_cnn.onnx"); }

TEST(CpuEngineBundledModel, Fp32MatchesReference) {
    expect_close(run_both(bundled_model(), {fmnist_evaluation_set(32).images}), 1e-4f);
}

TEST(CpuEngineBundledModel, Int8WithinOneOutputStepOfReference) {
    if (!cpu::cpu_u8_exact())
        GTEST_SKIP() << "CPU lacks VNNI: oneDNN's int8 kernels here drop a bit of every weight "
                        "code, so outputs are not within one step of the reference";
    Graph graph = bundled_model();
    const Tensor images = fmnist_evaluation_set(64).images;
    std::vector<Tensor> samples;
    for (int64_t i = 0; i < 64; ++i)
        samples.push_back(Tensor::from_vector<float>(
            {1, 1, 28, 28}, std::vector<float>(images.data<float>() + i * 784, images.data<float>() + (i + 1) * 784)));
    PluginHost host("reference");
    host.run("MinMaxQuantization", R"({"preset": "performance", "weights": {"bits": 7}})", graph,
             VectorData(samples));
    const auto out = run_both(graph, {images});
    // The logits stay in float; the allowance is one step of an 8-bit grid over their range, for
    // the rare intermediate value that rounds the other way in integer arithmetic.
    const auto logits = out.reference.at(0).to_floats();
    const auto [lowest, highest] = std::minmax_element(logits.begin(), logits.end());
    expect_close(out, (*highest - *lowest) / 255.0f);
    EXPECT_NE(out.plan.find("convolution"), std::string::npos);
    EXPECT_NE(out.plan.find("u8:s8"), std::string::npos) << out.plan;
}

}  // namespace
}  // namespace pot::test
