// Quantizes the bundled Fashion-MNIST model with pot-host on real data and checks the result the
// way a user would: accuracy, file size, and that ONNX Runtime runs the exported QDQ model with the
// accuracy and outputs our own engine predicts.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ort_runner.hpp"
#include "pot/core/metrics.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "fmnist_example.hpp"
#include "process.hpp"
#include "test_host.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kExample = pot::test::fmnist_example_dir();
using pot::test::EvaluationSet;

double accuracy_of(const pot::Tensor& logits, const std::vector<int64_t>& labels) {
    const int64_t classes = logits.dim(1);
    int64_t correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
        const float* row = logits.data<float>() + static_cast<int64_t>(i) * classes;
        correct += (std::max_element(row, row + classes) - row) == labels[i];
    }
    return 100.0 * static_cast<double>(correct) / static_cast<double>(labels.size());
}

// The bundled MinMax example's config, run with the given engine.
json example_config(const std::string& engine) {
    json c = pot::test::fmnist_example_config("minmax.json");
    c["engine"]["backend"] = engine;
    return c;
}

class EndToEnd : public testing::Test {
protected:
    static void SetUpTestSuite() {
        work_ = std::make_unique<pot::test::TempDir>();
        auto quantized = pot::test::quantize_and_evaluate(example_config("reference"), work_->path() / "out");
        run_ = std::move(quantized.run);
        report_ = std::move(quantized.report);
        model_ = work_->path() / "out" / "fmnist_cnn.onnx";
        evaluation_ = pot::test::fmnist_evaluation_set();
    }
    static void TearDownTestSuite() { work_.reset(); }

    void SetUp() override { ASSERT_EQ(run_.exit_code, 0) << run_.out << run_.err; }

    static std::unique_ptr<pot::test::TempDir> work_;
    static pot::test::RunResult run_;
    static fs::path model_;
    static json report_;
    static EvaluationSet evaluation_;
};
std::unique_ptr<pot::test::TempDir> EndToEnd::work_;
pot::test::RunResult EndToEnd::run_;
fs::path EndToEnd::model_;
json EndToEnd::report_;
EvaluationSet EndToEnd::evaluation_;

TEST_F(EndToEnd, Int8AccuracyIsWithinOnePointOfFp32) {
    const auto& e = report_.at("evaluation");
    EXPECT_EQ(e.at("samples"), 2000);
    EXPECT_GE(e.at("fp32").get<double>(), 88.0);  // the bundled model is a real classifier
    EXPECT_LE(e.at("fp32").get<double>() - e.at("int8").get<double>(), 1.0) << e.dump();
    EXPECT_NE(run_.out.find("accuracy@top1"), std::string::npos) << run_.out;
}

TEST_F(EndToEnd, QdqFileIsAtMostThirtyPercentOfFp32) {
    const double ratio = static_cast<double>(fs::file_size(model_)) /
                         static_cast<double>(fs::file_size(kExample / "fmnist_cnn.onnx"));
    EXPECT_LE(ratio, 0.30);
}

TEST_F(EndToEnd, OnnxRuntimeRunsTheQdqModelWithinOnePointOfFp32) {
    const auto fp32 = pot::test::run_in_onnxruntime(kExample / "fmnist_cnn.onnx", {evaluation_.images});
    const auto int8 = pot::test::run_in_onnxruntime(model_, {evaluation_.images});
    const double fp32_accuracy = accuracy_of(fp32.at(0), evaluation_.labels);
    const double int8_accuracy = accuracy_of(int8.at(0), evaluation_.labels);
    EXPECT_LE(fp32_accuracy - int8_accuracy, 1.0) << "FP32 " << fp32_accuracy << ", INT8 " << int8_accuracy;
    // Our reference engine predicted the FP32 accuracy ONNX Runtime measures.
    EXPECT_NEAR(fp32_accuracy, report_.at("evaluation").at("fp32").get<double>(), 0.1);
}

TEST_F(EndToEnd, OnnxRuntimeOutputsMatchOurFakeQuantizeWithinOneStep) {
    // Our IR of the exported file: the reference engine simulates it with FakeQuantize.
    const auto graph = pot::core::load_onnx(model_);
    constexpr int64_t kSamples = 200;
    const auto batch = pot::Tensor::from_vector<float>(
        {kSamples, 1, 28, 28},
        std::vector<float>(evaluation_.images.data<float>(), evaluation_.images.data<float>() + kSamples * 784));
    const auto ort = pot::test::run_in_onnxruntime(model_, {batch}).at(0);
    pot::test::PluginHost host("reference");
    const auto ours = host.engine().compile(graph)->infer({batch}).at(0);
    ASSERT_EQ(ort.shape(), ours.shape());
    // The logits stay in float; the allowance is one step of an 8-bit grid over their range,
    // for the rare intermediate value that rounds the other way in integer arithmetic.
    const auto values = ours.to_floats();
    const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
    const float step = (*highest - *lowest) / 255.0f;
    float worst = 0;
    for (int64_t i = 0; i < ours.numel(); ++i)
        worst = std::max(worst, std::fabs(ort.data<float>()[i] - ours.data<float>()[i]));
    EXPECT_LE(worst, step) << "largest difference " << worst << ", one step " << step;
}

// True when the CPU has VNNI (AVX512-VNNI or AVX-VNNI): oneDNN's u8 x s8 kernels are exact there.
bool cpu_has_vnni() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line))
        if (line.rfind("flags", 0) == 0)
            return line.find(" avx512_vnni") != std::string::npos || line.find(" avx_vnni") != std::string::npos;
    return false;
}

// The same quantization with the oneDNN engine measuring the accuracy: what it reports for INT8 is
// what ONNX Runtime measures on the file it wrote. The run must also end cleanly: the engine's
// OpenMP threads outlive it, and unloading its code under them used to crash the process at exit.
TEST_F(EndToEnd, CpuEngineInt8AccuracyMatchesOnnxRuntime) {
    const auto out = work_->path() / "out_cpu";
    const auto [run, report] = pot::test::quantize_and_evaluate(example_config("cpu"), out);
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const auto& e = report.at("evaluation");
    EXPECT_EQ(e.at("engine"), "cpu");
    const auto ort = pot::test::run_in_onnxruntime(out / "fmnist_cnn.onnx", {evaluation_.images});
    const double ort_accuracy = accuracy_of(ort.at(0), evaluation_.labels);
    // Without VNNI oneDNN drops a bit of every weight code to keep 16-bit pair sums from
    // saturating, so the two only agree loosely there.
    const double tolerance = cpu_has_vnni() ? 0.2 : 1.0;
    EXPECT_NEAR(e.at("int8").get<double>(), ort_accuracy, tolerance) << e.dump();
    EXPECT_NEAR(e.at("fp32").get<double>(), report_.at("evaluation").at("fp32").get<double>(), 0.1);
}

// POT's weights mode asymmetric: 4-bit weights with a zero point use the codes of a channel's
// [min, max] that symmetric ones spend on an unused side (one zero point per tensor, per-channel
// scales: ONNX Runtime's QLinearConv takes no more). The file carries the zero point, ONNX Runtime
// runs it with the accuracy our cpu engine measured, and it loses less than the symmetric 4-bit
// model (measured on the 2000 test images: 91.35% against 89.90%, FP32 92.25%).
TEST_F(EndToEnd, AsymmetricFourBitWeightsCarryZeroPointsAndBeatSymmetricOnes) {
    double accuracy[2] = {0, 0};
    for (const bool asymmetric : {false, true}) {
        json config = example_config("cpu");
        config["compression"]["algorithms"][0]["params"]["weights"] = {
            {"bits", 4}, {"mode", asymmetric ? "asymmetric" : "symmetric"}, {"granularity", "perchannel"}};
        const auto out = work_->path() / (asymmetric ? "out_asym4" : "out_sym4");
        const auto [run, report] = pot::test::quantize_and_evaluate(config, out);
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        accuracy[asymmetric] = report.at("evaluation").at("int8").get<double>();
        if (!asymmetric) continue;
        const auto graph = pot::core::load_onnx(out / "fmnist_cnn.onnx");
        size_t with_zero_point = 0;
        for (const auto& node : graph.nodes) {
            const auto params = pot::try_read_fake_quantize(graph, node, 4);
            if (!params || !graph.is_constant(node.inputs[0])) continue;
            const auto enc = pot::encoding_from_fake_quantize(*params, pot::DType::I8);
            EXPECT_EQ(enc.q_max - enc.q_min, 15) << node.name;  // 16 codes, not 15
            with_zero_point += std::any_of(enc.zero_point.begin(), enc.zero_point.end(), [](int32_t z) { return z != 0; });
        }
        EXPECT_GT(with_zero_point, 0u);
        const auto ort = pot::test::run_in_onnxruntime(out / "fmnist_cnn.onnx", {evaluation_.images});
        const double tolerance = cpu_has_vnni() ? 0.2 : 1.0;
        EXPECT_NEAR(accuracy_of(ort.at(0), evaluation_.labels), accuracy[1], tolerance);
    }
    EXPECT_GT(accuracy[1], accuracy[0] + 1.0) << "asymmetric " << accuracy[1] << "%, symmetric " << accuracy[0] << "%";
}

TEST_F(EndToEnd, ReportRecordsQuantizersTimingsAndPlugins) {
    EXPECT_FALSE(report_.at("algorithm_reports").at("MinMaxQuantization").at("quantized").empty());
    EXPECT_GT(report_.at("timings").at("quantize_s").get<double>(), 0.0);
    EXPECT_FALSE(report_.at("plugins").empty());
    EXPECT_EQ(report_.at("config").at("model").at("model_name"), "fmnist_cnn");
}

}  // namespace
