// AccuracyAwareQuantization as a user runs it with pot-host: budget met, budget missed, time
// budget hit, interrupted, killed. Each ends with the files and exit code the README promises:
// the results (with the plot of the search) whenever the run ends on its own or by one Ctrl-C, exit
// 3 when the target is missed, and the best model so far beside the results when it is killed.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fmnist_example.hpp"
#include "ort_runner.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pot::test::BackgroundRun;
using pot::test::read_json;
using pot::test::file_names_in;
using pot::test::TempDir;

constexpr int kTargetMissed = 3;

class AccuracyAwareRuns : public testing::Test {
protected:
    TempDir dir_;
    fs::path out_ = dir_.path() / "results";
    const std::set<std::string> results_ = {"fmnist_cnn.onnx", "report.json", "layer_errors.png",
                                            "accuracy_aware_steps.png"};

    // The bundled CNN with 4-bit weights and activations (DefaultQuantization alone loses about
    // 2.5 points), scored on the 300 calibration images with the cpu engine.
    fs::path write_config(const json& extra_params) {
        json params = {{"maximal_drop", 0.5}, {"base_algorithm", "DefaultQuantization"},
                       {"preset", "performance"},  {"stat_subset_size", 300},
                       {"weights", {{"bits", 4}}}, {"activations", {{"bits", 4}}}};
        params.update(extra_params);
        return write_config_with({{"target_device", "CPU"},
                                  {"algorithms", {{{"name", "AccuracyAwareQuantization"}, {"params", params}}}}});
    }
    fs::path write_config_with(const json& compression) {
        const fs::path example = fs::path(POT_SOURCE_DIR) / "examples" / "fmnist";
        const json config = {
            {"model", {{"model_name", "fmnist_cnn"}, {"model", (example / "fmnist_cnn.onnx").string()}}},
            {"engine",
             {{"backend", "cpu"},
              {"data_source", (example / "data" / "calibration").string()},
              {"annotation", (example / "data" / "calibration" / "labels.txt").string()},
              {"preprocessing", {{"color", "GRAY"}, {"layout", "NCHW"}, {"mean", {0}}, {"scale", {255}}}}}},
            {"compression", compression}};
        const auto file = dir_.path() / "config.json";
        pot::test::write_file(file, config.dump(2));
        return file;
    }
    std::vector<std::string> args(const json& extra_params) {
        return {"--plugins", POT_PLUGIN_DIR, "-c", write_config(extra_params).string(), "--output-dir",
                out_.string(), "-d", "--log-level", "WARNING"};
    }
    json search_report() {
        return read_json(out_ / "report.json").at("algorithm_reports").at("AccuracyAwareQuantization").at("search");
    }
    // Starts a search that cannot meet its budget and waits for its first checkpoint.
    std::unique_ptr<BackgroundRun> start_long_search() {
        auto run = std::make_unique<BackgroundRun>(args({{"maximal_drop", 0.0}, {"ranking_subset_size", 300}}),
                                                   dir_.path());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (!fs::exists(out_ / "fmnist_cnn.best_so_far.json") && run->running() &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return run;
    }
};

TEST_F(AccuracyAwareRuns, BudgetMetExitsZeroWithTheResultsAndThePlot) {
    const auto r = pot::test::run_pot_host(args(json::object()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("accuracy target: met"), std::string::npos) << r.out;
    EXPECT_EQ(file_names_in(out_), results_) << "the best-so-far files go once the results are written";
    const auto search = search_report();
    EXPECT_TRUE(search.at("met").get<bool>());
    EXPECT_GT(search.at("steps").at(0).at("drop").get<double>(), 0.5) << "the base quantization must miss";
    EXPECT_GE(search.at("reverted_layers").size(), 1u);
    EXPECT_EQ(read_json(out_ / "report.json").at("target_met"), true);
}

TEST_F(AccuracyAwareRuns, BudgetMissedExitsThreeWithTheBestModelFound) {
    const auto r = pot::test::run_pot_host(args({{"maximal_drop", 0.0}, {"max_iter_num", 1}}));
    ASSERT_EQ(r.exit_code, kTargetMissed) << r.err;
    EXPECT_NE(r.out.find("accuracy target: NOT met"), std::string::npos) << r.out;
    EXPECT_EQ(file_names_in(out_), results_);
    const auto search = search_report();
    EXPECT_FALSE(search.at("met").get<bool>());
    EXPECT_EQ(search.at("stopped_by"), "max_iter_num reached");
    EXPECT_EQ(read_json(out_ / "report.json").at("target_met"), false);
}

TEST_F(AccuracyAwareRuns, TimeBudgetHitExitsThreeWithTheResults) {
    const auto r = pot::test::run_pot_host(args({{"maximal_drop", 0.0}, {"max_minutes", 1e-6}}));
    ASSERT_EQ(r.exit_code, kTargetMissed) << r.err;
    EXPECT_EQ(file_names_in(out_), results_);
    EXPECT_EQ(search_report().at("stopped_by"), "max_minutes reached");
}

TEST_F(AccuracyAwareRuns, InterruptStopsTheSearchAndWritesTheBestModelSoFar) {
    auto run = start_long_search();
    ASSERT_TRUE(fs::exists(out_ / "fmnist_cnn.best_so_far.json")) << run->err();
    ASSERT_TRUE(run->running()) << run->err();
    kill(run->pid(), SIGINT);
    const int status = run->wait();
    ASSERT_TRUE(WIFEXITED(status)) << "status " << status << "; " << run->err();
    EXPECT_EQ(WEXITSTATUS(status), kTargetMissed) << run->err();
    EXPECT_EQ(file_names_in(out_), results_);
    EXPECT_EQ(search_report().at("stopped_by"), "interrupted");
}

TEST_F(AccuracyAwareRuns, KilledRunLeavesTheBestModelSoFar) {
    auto run = start_long_search();
    ASSERT_TRUE(fs::exists(out_ / "fmnist_cnn.best_so_far.json")) << run->err();
    ASSERT_TRUE(run->running()) << run->err();
    kill(run->pid(), SIGKILL);
    run->wait();
    EXPECT_FALSE(fs::exists(out_ / "fmnist_cnn.onnx")) << "no results: the run did not finish";
    const auto summary = read_json(out_ / "fmnist_cnn.best_so_far.json");
    EXPECT_FALSE(summary.at("meets_target").get<bool>());
    EXPECT_EQ(summary.at("summary").at("algorithm"), "AccuracyAwareQuantization");
    EXPECT_EQ(summary.at("model"), (out_ / "fmnist_cnn.best_so_far.onnx").string());
    // The model is whole and quantized.
    const auto model = pot::core::load_onnx(out_ / "fmnist_cnn.best_so_far.onnx");
    EXPECT_TRUE(pot::has_fake_quantize(model));
    // The next run into the same folder leaves its own results and its own files only.
    const auto r = pot::test::run_pot_host(args(json::object()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(file_names_in(out_), results_);
}

// The base algorithm's keys sit in AccuracyAware's params, as in POT: a wrong one is named there.
TEST_F(AccuracyAwareRuns, AWrongBaseParameterIsNamedWhereTheConfigHasIt) {
    const auto r = pot::test::run_pot_host(args({{"no_such_key", 1}}));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("/compression/algorithms/0/params/no_such_key"), std::string::npos) << r.err;
    EXPECT_TRUE(pot::test::empty_or_missing(out_));
}

// The compression sections of POT's accuracy-aware template and of its MobileNetV2 example, as
// written there, with the bundled model and data instead of the Accuracy Checker engine. The
// template's budget of 0.01 cannot be met, so max_iter_num (also a key of POT's) ends its search
// after one revert: what is checked is that the file is read, not how long the search runs.
TEST_F(AccuracyAwareRuns, PotConfigTemplatesAreAccepted) {
    const json pot_template = {
        {"target_device", "ANY"},
        {"algorithms",
         {{{"name", "AccuracyAwareQuantization"},
           {"params", {{"preset", "performance"}, {"stat_subset_size", 300}, {"maximal_drop", 0.01},
                       {"tune_hyperparams", false}, {"max_iter_num", 1}}}}}}};
    const auto file = write_config_with(pot_template);
    const std::vector<std::string> common = {"--plugins", POT_PLUGIN_DIR, "--output-dir", out_.string(), "-d"};
    auto with = [&](std::vector<std::string> a) {
        a.insert(a.end(), common.begin(), common.end());
        return a;
    };
    const auto r = pot::test::run_pot_host(with({"-c", file.string()}));
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == kTargetMissed) << r.err;
    // POT's 0.01 was one point of a fraction; here it is a hundredth of a point, and it says so.
    EXPECT_NE(r.err.find("multiply maximal_drop by 100"), std::string::npos) << r.err;

    const json mobilenet_example = {
        {"algorithms",
         {{{"name", "AccuracyAwareQuantization"}, {"params", {{"preset", "performance"}, {"stat_subset_size", 300}}}}}}};
    const auto example = pot::test::run_pot_host(with({"-c", write_config_with(mobilenet_example).string()}));
    EXPECT_EQ(example.exit_code, 0) << example.err << "the default budget, one point, is met at 8 bits";
    EXPECT_EQ(search_report().at("budget"), 1.0);
}

TEST_F(AccuracyAwareRuns, Int4MixedLowersConvolutionsWhileTheDropStaysWithinTheBudget) {
    // POT's mixed-precision example: DefaultQuantization, then INT4MixedQuantization.
    const json int4 = {{"stat_subset_size", 300}, {"ranking_subset_size", 300}, {"maximal_drop", 1.0}};
    const auto config = write_config_with(
        {{"target_device", "CPU"},
         {"algorithms", {{{"name", "DefaultQuantization"}, {"params", {{"preset", "performance"}, {"stat_subset_size", 300}}}},
                         {{"name", "INT4MixedQuantization"}, {"params", int4}}}}});
    const auto r = pot::test::run_pot_host({"--plugins", POT_PLUGIN_DIR, "-c", config.string(), "--output-dir",
                                            out_.string(), "-d", "-e", "--log-level", "WARNING"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json report = read_json(out_ / "report.json");
    const json& search = report.at("algorithm_reports").at("INT4MixedQuantization").at("search");
    ASSERT_TRUE(search.at("met").get<bool>()) << search.dump();
    EXPECT_LE(search.at("drop").get<double>(), 1.0);
    std::set<std::string> four_bit;
    for (const auto& l : search.at("four_bit_layers")) four_bit.insert(l.at("layer").get<std::string>());
    ASSERT_GE(four_bit.size(), 1u) << search.dump();
    // The job's own evaluation (the same samples) agrees with the search.
    EXPECT_NEAR(report.at("evaluation").at("drop").get<double>(), search.at("drop").get<double>(), 1e-9);

    // In the written model the lowered convolutions read 4-bit weights and inputs, the rest 8-bit.
    const auto model = pot::core::load_onnx(out_ / "fmnist_cnn.onnx");
    size_t convs = 0;
    for (const auto& node : model.nodes) {
        if (node.op_type != "Conv") continue;
        ++convs;
        const auto weights = model.producer(node.inputs.at(1));
        const auto input = model.producer(node.inputs.at(0));
        ASSERT_TRUE(weights && input && pot::is_fake_quantize(model.nodes[*weights]) &&
                    pot::is_fake_quantize(model.nodes[*input])) << node.name;
        const bool low = four_bit.count(node.name) > 0;
        EXPECT_EQ(pot::read_fake_quantize(model, model.nodes[*weights]).levels, low ? 15 : 255) << node.name;
        EXPECT_EQ(pot::read_fake_quantize(model, model.nodes[*input]).levels, low ? 16 : 256) << node.name;
    }
    EXPECT_EQ(convs, 3u);

    // ONNX Runtime runs the 4-bit grids of the QDQ file: on 1000 test images it scores within two
    // points of the float model's 92.25% (Fashion-MNIST test set, bundled 2000).
    const auto set = pot::test::fmnist_evaluation_set(1000);
    const auto logits = pot::test::run_in_onnxruntime(out_ / "fmnist_cnn.onnx", {set.images}).at(0);
    int64_t correct = 0;
    const int64_t classes = logits.dim(1);
    for (size_t i = 0; i < set.labels.size(); ++i) {
        const float* row = logits.data<float>() + static_cast<int64_t>(i) * classes;
        correct += (std::max_element(row, row + classes) - row) == set.labels[i];
    }
    EXPECT_GE(100.0 * static_cast<double>(correct) / static_cast<double>(set.labels.size()), 90.0);
}

}  // namespace
