// `pot-host benchmark` as benchmark_app users call it: dynamic shapes, -shape, --data, -pc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "graph_builder.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/npy.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace pot::test {
namespace {

// Conv -> Relu on an input whose height and width are dynamic, as a text-line model has them.
std::filesystem::path dynamic_model(const TempDir& dir) {
    GraphBuilder g("dynamic_hw");
    const auto x = g.input("image", {1, 3, -1, -1});
    const auto w = g.constant("w", random_tensor({4, 3, 3, 3}, 1));
    g.output(g.node("Relu", {g.node("Conv", {x, w}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}})}), {1, 4, -1, -1});
    const auto file = dir / "dynamic_hw.onnx";
    core::save_onnx(g.build(), file);
    return file;
}

std::vector<std::string> benchmark_args(const std::filesystem::path& model, std::vector<std::string> extra) {
    std::vector<std::string> args{"benchmark", "--plugins", POT_PLUGIN_DIR, "-m", model.string(),
                                  "--engine", "cpu", "--niter", "5", "--nthreads", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(BenchmarkCommand, DynamicDimensionsNeedAShapeAndTheErrorSaysWhich) {
    TempDir dir;
    const auto model = dynamic_model(dir);
    const auto r = run_pot_host(benchmark_args(model, {}), 60);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("input 'image' has the dynamic shape [1,3,-1,-1]"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("-shape image[1,3,N,N]"), std::string::npos) << r.err;
}

TEST(BenchmarkCommand, ShapeIsUsedAndPrinted) {
    TempDir dir;
    const auto model = dynamic_model(dir);
    const auto r = run_pot_host(benchmark_args(model, {"-shape", "image[1,3,32,320]"}), 60);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Inputs:      image f32 [1,3,32,320]"), std::string::npos) << r.out;
}

TEST(BenchmarkCommand, DataFileAndPerStepTableInJson) {
    TempDir dir;
    const auto model = dynamic_model(dir);
    core::write_npy(dir / "line.npy", random_tensor({1, 3, 16, 48}, 2));
    const auto r = run_pot_host(benchmark_args(model, {"--data", "image=" + (dir / "line.npy").string(), "-pc", "--json"}), 60);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json::array({1, 3, 16, 48}));
    const auto& steps = j["per_node"]["steps"];
    ASSERT_FALSE(steps.empty()) << r.out;
    // The convolution (with its fused Relu) is a step, named after its node, with its kernel.
    bool conv = false;
    double share = 0;
    for (const auto& s : steps) {
        conv = conv || (s["op"] == "Conv" && s["implementation"].get<std::string>().find("convolution") != std::string::npos);
        share += s["share"].get<double>();
    }
    EXPECT_TRUE(conv) << steps.dump();
    EXPECT_NEAR(share, 1.0, 1e-6);
}

TEST(BenchmarkCommand, ShapeThatContradictsTheModelIsAUsageError) {
    TempDir dir;
    const auto model = dynamic_model(dir);
    const auto r = run_pot_host(benchmark_args(model, {"-shape", "image[1,4,32,32]"}), 60);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("fixes dimension 1 to 3"), std::string::npos) << r.err;
}

TEST(BenchmarkCommand, BatchThatTheModelBuildsIntoItsShapesIsNamed) {
    // A Reshape to [1, 8, 4] pins the batch that the input declares as 1; --batch 3 then fails
    // inside the engine, and the message says that --batch changed the declared 1.
    TempDir dir;
    GraphBuilder g("fixed_batch");
    const auto x = g.input("image", {1, 2, 4, 4});
    const auto shape = g.constant("shape", Tensor::from_vector<int64_t>({3}, {1, 8, 4}));
    g.output(g.node("Relu", {g.node("Reshape", {x, shape})}), {1, 8, 4});
    const auto model = dir / "fixed_batch.onnx";
    core::save_onnx(g.build(), model);
    ASSERT_EQ(run_pot_host(benchmark_args(model, {}), 60).exit_code, 0);
    const auto r = run_pot_host(benchmark_args(model, {"-b", "3"}), 60);
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.err.find("Reshape"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--batch 3 replaced the batch of 1 that the model declares for input 'image'"),
              std::string::npos) << r.err;
}

// --engine-params reaches the engine as a config's "engine" section would: its settings are
// taken, and one the engine rejects is named, as is text that is not a JSON object.
TEST(BenchmarkCommand, EngineParametersReachTheEngine) {
    TempDir dir;
    const auto model = dynamic_model(dir);
    const std::vector<std::string> shape{"-shape", "image[1,3,16,16]"};
    auto with = [&](const std::string& params) {
        auto extra = shape;
        extra.insert(extra.end(), {"--engine-params", params});
        return run_pot_host(benchmark_args(model, extra), 60);
    };
    const auto ok = with(R"({"team": "on", "winograd": false})");
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    const auto rejected = with(R"({"team": "sometimes"})");
    EXPECT_NE(rejected.exit_code, 0) << rejected.err;
    EXPECT_NE(rejected.err.find("/team"), std::string::npos) << rejected.err;
    EXPECT_NE(rejected.err.find("sometimes"), std::string::npos) << rejected.err;
    const auto not_object = with("[1, 2]");
    EXPECT_EQ(not_object.exit_code, 2) << not_object.err;
    EXPECT_NE(not_object.err.find("--engine-params: engine parameters must be a JSON object"), std::string::npos)
        << not_object.err;
    const auto twice = with(R"({"threads": 3})");
    EXPECT_NE(twice.exit_code, 0) << twice.err;
    EXPECT_NE(twice.err.find("the thread count is given twice"), std::string::npos) << twice.err;
}

}  // namespace
}  // namespace pot::test
