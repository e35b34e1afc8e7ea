// Tuning as a user runs it with pot-host: TunableQuantization's per-layer choices searched by
// TPE on the bundled CNN, scored on labelled images with the cpu engine. The same seed gives the
// same trials and the same model; a run resumes its trial log (warm_start) and replays its best
// trial (eval); Ctrl-C stops after the current trial with the best model; POT's TPE configs are
// accepted as written.
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pot/core/config.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/trial_log.hpp"
#include "process.hpp"
#include "test_host.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pot::test::BackgroundRun;
using pot::test::read_json;
using pot::test::TempDir;

constexpr int kTuningTargetMissed = 3;

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t lines_in(const fs::path& file) {
    std::ifstream in(file);
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n += !line.empty();
    return n;
}

json example_sections() {
    const fs::path example = fs::path(POT_SOURCE_DIR) / "examples" / "fmnist";
    return {{"model", {{"model_name", "fmnist_cnn"}, {"model", (example / "fmnist_cnn.onnx").string()}}},
            {"engine",
             {{"backend", "cpu"},
              {"params", {{"threads", 1}}},
              {"data_source", (example / "data" / "calibration").string()},
              {"annotation", (example / "data" / "calibration" / "labels.txt").string()},
              {"preprocessing", {{"color", "GRAY"}, {"layout", "NCHW"}, {"mean", {0}}, {"scale", {255}}}}}}};
}

class TuningRuns : public testing::Test {
protected:
    TempDir dir_;

    // TunableQuantization with per-layer mode and keep-in-float choices, then FastBiasCorrection;
    // TPE on 200 images, accuracy only unless `params` says otherwise.
    fs::path write_config(const json& params, const std::string& name = "config.json") {
        json config = example_sections();
        config["compression"] = {
            {"target_device", "CPU"},
            {"algorithms",
             {{{"name", "TunableQuantization"},
               {"params", {{"preset", "performance"}, {"stat_subset_size", 300}, {"tuning_scope", {"layer", "mode"}}}}},
              {{"name", "FastBiasCorrection"}, {"params", {{"stat_subset_size", 300}}}}}}};
        json optimizer_params = {{"max_trials", 6},     {"eval_subset_size", 200}, {"latency_weight", 0},
                                 {"accuracy_loss", 100}, {"seed", 5},               {"n_startup_trials", 3}};
        if (params.is_object()) optimizer_params.update(params);
        config["optimizer"] = {{"name", "Tpe"}, {"params", optimizer_params}};
        const auto file = dir_.path() / name;
        pot::test::write_file(file, config.dump(2));
        return file;
    }
    pot::test::RunResult run(const fs::path& config, const fs::path& out) {
        return pot::test::run_pot_host({"--plugins", POT_PLUGIN_DIR, "-c", config.string(), "--output-dir",
                                        out.string(), "-d", "--log-level", "WARNING"});
    }
    static std::vector<json> choices(const json& report) {
        std::vector<json> out;
        for (const auto& t : report.at("optimizer").at("trials")) out.push_back(t.at("choice"));
        return out;
    }
};

TEST_F(TuningRuns, TheSameSeedGivesTheSameTrialsAndTheSameModel) {
    const auto config = write_config({});
    const fs::path a = dir_.path() / "a", b = dir_.path() / "b";
    const auto ra = run(config, a);
    ASSERT_EQ(ra.exit_code, 0) << ra.err;
    const auto rb = run(config, b);
    ASSERT_EQ(rb.exit_code, 0) << rb.err;
    const auto report = read_json(a / "report.json");
    const auto& o = report.at("optimizer");
    ASSERT_EQ(o.at("trials").size(), 6u);
    EXPECT_EQ(o.at("stopped_by"), "max_trials");
    EXPECT_GE(o.at("search_space").at("points").get<double>(), 200.0);
    EXPECT_FALSE(o.at("pareto_front").empty());
    EXPECT_EQ(choices(report), choices(read_json(b / "report.json")));
    EXPECT_EQ(read_bytes(a / "fmnist_cnn.onnx"), read_bytes(b / "fmnist_cnn.onnx"));
    // The trial log (header and six trials) stays beside the results; the best-so-far files go.
    EXPECT_EQ(lines_in(a / "fmnist_cnn.trials.jsonl"), 7u);
    EXPECT_TRUE(fs::exists(a / "tuning_trials.png"));
    EXPECT_FALSE(fs::exists(a / "fmnist_cnn.best_so_far.onnx"));
    // Accuracy only, every trial within the target: the chosen one is the most accurate.
    double lowest = INFINITY;
    for (const auto& t : o.at("trials")) lowest = std::min(lowest, t.at("accuracy_loss").get<double>());
    EXPECT_EQ(o.at("best").at("accuracy_loss").get<double>(), lowest);
}

TEST_F(TuningRuns, WarmStartContinuesTheLogAndEvalReplaysItsBestTrial) {
    const fs::path out = dir_.path() / "out";
    auto r = run(write_config({{"max_trials", 4}}), out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto first = read_json(out / "report.json");

    r = run(write_config({{"max_trials", 7}, {"trials_load_method", "warm_start"}}), out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto resumed = read_json(out / "report.json");
    EXPECT_EQ(resumed.at("optimizer").at("resumed_trials"), 4);
    ASSERT_EQ(resumed.at("optimizer").at("trials").size(), 7u);
    const auto earlier = choices(first);
    const auto all = choices(resumed);
    EXPECT_TRUE(std::equal(earlier.begin(), earlier.end(), all.begin())) << "the first four trials are the earlier ones";
    EXPECT_EQ(lines_in(out / "fmnist_cnn.trials.jsonl"), 8u);
    const std::string model = read_bytes(out / "fmnist_cnn.onnx");

    r = run(write_config({{"max_trials", 7}, {"trials_load_method", "eval"}}), out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto replayed = read_json(out / "report.json");
    EXPECT_EQ(replayed.at("optimizer").at("stopped_by"), "eval");
    EXPECT_EQ(replayed.at("optimizer").at("best").at("choice"), resumed.at("optimizer").at("best").at("choice"));
    EXPECT_EQ(lines_in(out / "fmnist_cnn.trials.jsonl"), 8u) << "eval runs no trial";
    EXPECT_EQ(read_bytes(out / "fmnist_cnn.onnx"), model) << "eval writes the best trial's model";

    r = run(write_config({{"max_trials", 3}, {"trials_load_method", "fine_tune"}}), out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto tuned = read_json(out / "report.json").at("optimizer");
    EXPECT_EQ(tuned.at("fine_tuned_from").at("choice"), resumed.at("optimizer").at("best").at("choice"));
    EXPECT_EQ(tuned.at("trials").size(), 3u);
    // The new space is centred on the earlier best: its base trial is that trial's choices.
    EXPECT_EQ(tuned.at("trials").at(0).at("choice"), resumed.at("optimizer").at("best").at("choice"));
}

TEST_F(TuningRuns, LatencyInTheObjectiveIsMeasuredAndReported) {
    const fs::path out = dir_.path() / "out";
    const auto r = run(write_config({{"max_trials", 4},
                                     {"latency_weight", 1},
                                     {"accuracy_loss", 1},
                                     {"benchmark", {{"duration_seconds", 0.2}, {"nthreads", 4}}}}),
                       out);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == kTuningTargetMissed) << r.err;
    const auto o = read_json(out / "report.json").at("optimizer");
    EXPECT_GT(o.at("fp32_latency_ms").get<double>(), 0.0);
    for (const auto& t : o.at("trials")) {
        EXPECT_GT(t.at("latency_ms").get<double>(), 0.0) << t.dump();
        EXPECT_NEAR(t.at("latency_ratio").get<double>(),
                    o.at("fp32_latency_ms").get<double>() / t.at("latency_ms").get<double>(), 1e-9);
    }
    EXPECT_EQ(r.exit_code == 0, o.at("meets_targets").get<bool>());
    EXPECT_NE(r.out.find(o.at("meets_targets").get<bool>() ? "accuracy target: met" : "accuracy target: NOT met"),
              std::string::npos)
        << r.out;
}

TEST_F(TuningRuns, CtrlCStopsAfterTheCurrentTrialWithTheBestModel) {
    const fs::path out = dir_.path() / "out";
    BackgroundRun run({"--plugins", POT_PLUGIN_DIR, "-c", write_config({{"max_trials", 1000}}).string(),
                       "--output-dir", out.string(), "-d", "--log-level", "WARNING"},
                      dir_.path());
    const fs::path log = out / "fmnist_cnn.trials.jsonl";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (run.running() && std::chrono::steady_clock::now() < deadline &&
           (!fs::exists(log) || lines_in(log) < 4))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(run.running()) << run.err();
    ASSERT_TRUE(fs::exists(out / "fmnist_cnn.best_so_far.onnx")) << "each new best model is saved at once";
    kill(run.pid(), SIGINT);
    const int status = run.wait();
    ASSERT_TRUE(WIFEXITED(status)) << run.err();
    EXPECT_EQ(WEXITSTATUS(status), 0) << run.err();
    const auto o = read_json(out / "report.json").at("optimizer");
    EXPECT_EQ(o.at("stopped_by"), "interrupted");
    EXPECT_LT(o.at("trials").size(), 1000u);
    EXPECT_EQ(lines_in(log), o.at("trials").size() + 1);
    EXPECT_TRUE(fs::exists(out / "fmnist_cnn.onnx"));
}

// POT's TPE template and example, their optimizer and compression sections as written (comments
// included), with this project's model and engine sections: every key is accepted and every
// algorithm and the optimizer are created.
TEST(PotTuningConfigs, AreAcceptedAsWritten) {
    const std::string optimizer_and_compression[] = {
        R"(
    /* Global optimizer used to find "optimal" hyperparameters */
    "optimizer": {
        "name": "Tpe", // Global optimizer name
        "params": {
            "max_trials": 100, // Maximum number of trails
            "max_minutes": 10, // [Optional] Trials time limit.
            "stop_on_target": true,
            "eval_subset_size": 2000,
            "trials_load_method": "cold_start",
            "accuracy_loss": 0.1, // Accuracy threshold (%)
            "latency_reduce": 1.5, // Target latency improvement versus original model
            "accuracy_weight": 1.0, // Accuracy weight in loss function
            "latency_weight": 1.0, // Latency weight in loss function
            "metrics": [
                {
                    "name": "accuracy", // Metric name
                    "baseline_value": 0.72 // Baseline metric value of the original model
                }
            ],
            "benchmark": {
                "performance_count": false,
                "batch_size": 0,
                "nthreads": 4,
                "nstreams": 0,
                "nireq": 0,
                "api_type": "sync",
                "niter": 4,
                "duration_seconds": 30,
                "benchmark_app_dir": "<path to benchmark_app>"
            }
        }
    },
    "compression": {
        "target_device": "ANY",
        "algorithms": [
            {
                "name": "ActivationChannelAlignment",
                "params": {
                    "stat_subset_size": 300
                }
            },
            {
                "name": "TunableQuantization",
                "params": {
                    "preset": "performance",
                    "stat_subset_size": 300,
                    "tuning_scope": ["layer"], // List of quantization parameters that will be tuned
                    "estimator_tuning_scope": ["preset", "aggregator", "type", "outlier_prob"],
                    "outlier_prob_choices": [1e-3, 1e-4, 1e-5]
                }
            },
            {
                "name": "FastBiasCorrection",
                "params": {
                    "stat_subset_size": 300
                }
            }
        ]
    })",
        R"(
    "optimizer": {
        "name": "Tpe",
        "params": {
            "max_trials": 200,
            "max_minutes": 1440,
            "trials_load_method": "cold_start",
            "accuracy_loss": 0.1,
            "latency_reduce": 1.5,
            "accuracy_weight": 1.0,
            "latency_weight": 1.0,
            "benchmark": {
                "performance_count": false,
                "batch_size": 1,
                "nthreads": 8,
                "nstreams": 1,
                "nireq": 1,
                "api_type": "async",
                "niter": 1,
                "duration_seconds": 30
            }
        }
    },
    "compression": {
        "algorithms": [
            {"name": "ActivationChannelAlignment", "params": {"stat_subset_size": 1000}},
            {"name": "TunableQuantization",
             "params": {"stat_subset_size": 1000, "preset": "performance", "tuning_scope": ["layer"]}},
            {"name": "FastBiasCorrection", "params": {"stat_subset_size": 1000}}
        ]
    })"};
    pot::test::PluginHost host;
    for (const auto& sections : optimizer_and_compression) {
        std::string text = example_sections().dump(2);
        text.insert(text.rfind('}'), "," + sections + "\n");
        const auto config = pot::core::parse_config(text, "/", "pot_tpe.json");
        ASSERT_TRUE(config.optimizer.has_value());
        EXPECT_EQ(config.optimizer->tuning.targets.accuracy_loss, 0.1);
        EXPECT_EQ(config.optimizer->tuning.targets.latency_reduce, 1.5);
        EXPECT_TRUE(config.optimizer->tuning.benchmark.has_value());
        auto optimizer = host.registry().create_optimizer(config.optimizer->name, config.optimizer->params_json,
                                                          "/optimizer");
        EXPECT_EQ(optimizer->name(), "TPE");
        const pot::core::Pipeline pipeline(host.registry(), config.compression.algorithms);
        EXPECT_EQ(pipeline.names(), (std::vector<std::string>{"ActivationChannelAlignment", "TunableQuantization",
                                                             "FastBiasCorrection"}));
        EXPECT_EQ(pipeline.tunables().size(), 1u);
    }
}

}  // namespace
