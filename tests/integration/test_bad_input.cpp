// Every kind of bad input gets a non-zero exit code, one clear message naming the file, node or
// JSON path, and no output at all.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "pot/abi.h"
#include <nlohmann/json.hpp>

#include "graph_builder.hpp"
#include "pot/core/model_io.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pot::test::run_pot_host;
using pot::test::RunResult;
using pot::test::TempDir;


class BadInput : public testing::Test {
protected:
    TempDir dir_;
    fs::path out_ = dir_.path() / "results";

    RunResult run_config(const json& config, std::vector<std::string> extra = {}) {
        return run_text(config.dump(2), std::move(extra));
    }
    RunResult run_text(const std::string& text, std::vector<std::string> extra = {}) {
        const auto file = dir_.path() / "config.json";
        pot::test::write_file(file, text);
        std::vector<std::string> args = {"--plugins", POT_PLUGIN_DIR, "-c", file.string(),
                                         "--output-dir", out_.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_pot_host(args);
    }
    // Exit code, a message containing every one of `parts`, and no output folder.
    void expect_failure(const RunResult& r, int code, const std::vector<std::string>& parts) {
        EXPECT_EQ(r.exit_code, code) << r.err;
        for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << "missing '" << p << "' in: " << r.err;
        EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
        EXPECT_TRUE(pot::test::empty_or_missing(out_)) << "partial output left in " << out_;
    }
};

TEST_F(BadInput, ValidConfigSucceeds) {
    const auto r = run_config(pot::test::minimal_config(), {"-d"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out_ / "fmnist_cnn.onnx"));
    EXPECT_TRUE(fs::exists(out_ / "report.json"));
    EXPECT_TRUE(fs::exists(out_ / "layer_errors.png"));
    // Nothing but the results: no staging folder or temporary file left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(out_), fs::directory_iterator{}), 3);
}

TEST_F(BadInput, MissingModelNamesTheFile) {
    auto c = pot::test::minimal_config();
    c["model"]["model"] = (dir_.path() / "nowhere.onnx").string();
    expect_failure(run_config(c), 2, {"/model/model", "nowhere.onnx", "does not exist"});
}

TEST_F(BadInput, CorruptModelNamesTheFile) {
    pot::test::write_file(dir_.path() / "corrupt.onnx", std::string("\x08\x07garbage\xff\xfe not a model"));
    auto c = pot::test::minimal_config();
    c["model"]["model"] = (dir_.path() / "corrupt.onnx").string();
    expect_failure(run_config(c), 1, {"corrupt.onnx"});
}

TEST_F(BadInput, UnsupportedOpNamesTheNode) {
    pot::test::GraphBuilder b;
    const auto x = b.input("input", {1, 1, 28, 28});
    const auto h = b.node("Hardmax", {x}, {{"axis", int64_t{-1}}}, "the_hardmax");
    b.output(h, {1, 1, 28, 28});
    pot::core::save_onnx(b.build(), dir_.path() / "hardmax.onnx");
    auto c = pot::test::minimal_config();
    c["model"]["model"] = (dir_.path() / "hardmax.onnx").string();
    expect_failure(run_config(c), 1, {"Hardmax", "the_hardmax"});
}

TEST_F(BadInput, InvalidJsonNamesTheConfigFile) {
    expect_failure(run_text("{\"model\": {"), 2, {"config.json", "invalid JSON"});
}

TEST_F(BadInput, UnknownKeySuggestsTheNearestOne) {
    auto c = pot::test::minimal_config();
    c["engine"]["data_sources"] = c["engine"]["data_source"];
    expect_failure(run_config(c), 2, {"/engine/data_sources", "did you mean 'data_source'"});
}

TEST_F(BadInput, UnknownAlgorithmListsTheKnownOnes) {
    auto c = pot::test::minimal_config();
    c["compression"]["algorithms"][0]["name"] = "MinMaxQuantisation";
    expect_failure(run_config(c), 2, {"/compression/algorithms/0", "did you mean 'MinMaxQuantization'"});
}

TEST_F(BadInput, BadAlgorithmParameterNamesItsPath) {
    auto c = pot::test::minimal_config();
    c["compression"]["algorithms"][0]["params"]["preset"] = "fast";
    expect_failure(run_config(c), 2, {"/compression/algorithms/0/params/preset", "performance"});
}

TEST_F(BadInput, UnknownEngineIsAConfigError) {
    auto c = pot::test::minimal_config();
    c["engine"]["backend"] = "gpu";
    expect_failure(run_config(c), 2, {"unknown engine 'gpu'"});
}

TEST_F(BadInput, MissingDataFolderIsNamed) {
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = (dir_.path() / "no_data").string();
    expect_failure(run_config(c), 2, {"/engine/data_source", "no_data", "does not exist"});
}

TEST_F(BadInput, EmptyDataFolderIsNamed) {
    fs::create_directories(dir_.path() / "empty");
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = (dir_.path() / "empty").string();
    expect_failure(run_config(c), 1, {"empty", "is empty"});
}

TEST_F(BadInput, UnreadableImageIsNamed) {
    fs::create_directories(dir_.path() / "images");
    pot::test::write_file(dir_.path() / "images" / "bad.png", "this is not a png");
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = (dir_.path() / "images").string();
    expect_failure(run_config(c), 1, {"bad.png"});
}

TEST_F(BadInput, OutputFolderThatCannotBeCreated) {
    pot::test::write_file(dir_.path() / "a_file", "x");
    out_ = dir_.path() / "a_file" / "results";
    const auto r = run_config(pot::test::minimal_config());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("a_file"), std::string::npos) << r.err;
}

TEST_F(BadInput, BadPluginLibrariesAreSkippedAndTheRunStillWorks) {
    const auto plugins = dir_.path() / "plugins";
    fs::create_directories(plugins);
    fs::copy(POT_PLUGIN_DIR, plugins, fs::copy_options::recursive);
    pot::test::write_file(plugins / "libpot_garbage.so", "not an ELF file");
    for (const auto& e : fs::directory_iterator(fs::path(POT_BAD_PLUGIN_DIR) / "abi_major"))
        fs::copy_file(e.path(), plugins / e.path().filename());
    const auto file = dir_.path() / "config.json";
    pot::test::write_file(file, pot::test::minimal_config().dump());
    const auto r = run_pot_host({"--plugins", plugins.string(), "-c", file.string(), "-d", "--output-dir", out_.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("libpot_garbage.so"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("speaks plugin ABI " + std::to_string(POT_ABI_MAJOR + 1) + ".x"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::exists(out_ / "fmnist_cnn.onnx"));
}

TEST_F(BadInput, MissingPluginFolderIsAUsageError) {
    const auto file = dir_.path() / "config.json";
    pot::test::write_file(file, pot::test::minimal_config().dump());
    const auto r = run_pot_host({"--plugins", "/nonexistent/plugins", "-c", file.string(), "--output-dir", out_.string()});
    expect_failure(r, 2, {"/nonexistent/plugins"});
}

TEST_F(BadInput, OptimizerNameAndParamsAreCheckedBeforeAnyWork) {
    auto config = pot::test::minimal_config();
    config["optimizer"] = {{"name", "TPE"}, {"params", {{"gamma", 1.5}}}};
    const auto file = dir_.path() / "config.json";
    pot::test::write_file(file, config.dump());
    auto r = run_pot_host({"-c", file.string(), "--output-dir", out_.string()});
    expect_failure(r, 2, {"/optimizer/params/gamma"});
    config["optimizer"] = {{"name", "TPF"}};
    pot::test::write_file(file, config.dump());
    r = run_pot_host({"-c", file.string(), "--output-dir", out_.string()});
    expect_failure(r, 2, {"/optimizer", "TPF", "TPE"});
}

TEST_F(BadInput, OptimizerTunesMinMaxAndKeepsTheBestTrial) {
    auto config = pot::test::minimal_config();
    // Accuracy only, with a target every trial meets: the most accurate trial is chosen.
    config["optimizer"] = {{"name", "TPE"},
                           {"params", {{"n_startup_trials", 2}, {"latency_weight", 0}, {"accuracy_loss", 100}}},
                           {"trials", 3},
                           {"eval_subset_size", 20}};
    const auto r = run_config(config, {"-d"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ifstream report_file(out_ / "report.json");
    const auto report = json::parse(report_file);
    const auto& o = report.at("optimizer");
    EXPECT_EQ(o.at("used"), true);
    EXPECT_EQ(o.at("samples"), 20);
    ASSERT_EQ(o.at("trials").size(), 3u);
    double lowest = INFINITY;
    for (const auto& t : o.at("trials")) {
        EXPECT_TRUE(t.at("choice").contains("MinMaxQuantization/preset")) << t.dump();
        EXPECT_TRUE(t.at("latency_ms").is_null()) << "nothing is timed without a latency weight or target";
        lowest = std::min(lowest, t.at("accuracy_loss").get<double>());
    }
    EXPECT_EQ(o.at("best").at("accuracy_loss").get<double>(), lowest);
    EXPECT_EQ(o.at("meets_targets"), true);
    // Unlabelled data: trials are scored by their agreement with the FP32 model.
    EXPECT_NE(o.at("metric").get<std::string>().find("agreement@top1"), std::string::npos) << o.dump();
    EXPECT_TRUE(fs::exists(out_ / "fmnist_cnn.onnx"));
    EXPECT_TRUE(fs::exists(out_ / "tuning_trials.png"));

    config["optimizer"]["trials"] = 0;
    fs::remove_all(out_);
    expect_failure(run_config(config), 2, {"/optimizer/trials"});
}

TEST_F(BadInput, UnknownOptionIsAUsageError) {
    const auto r = run_pot_host({"--frobnicate"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("frobnicate"), std::string::npos);
}

TEST_F(BadInput, ListPluginsShowsKindNameVersionLibraryAndDescription) {
    const auto r = run_pot_host({"--list-plugins", "--plugins", POT_PLUGIN_DIR});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("MinMaxQuantization"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("reference"), std::string::npos);
    EXPECT_NE(r.out.find("libpot_min_max.so"), std::string::npos);
    EXPECT_NE(r.out.find("0.1.0"), std::string::npos);
}

TEST_F(BadInput, DumpIntermediateModelSavesTheModelAfterEachAlgorithm) {
    auto c = pot::test::minimal_config();
    c["compression"]["dump_intermediate_model"] = true;
    c["compression"]["algorithms"] = {{{"name", "DefaultQuantization"}, {"params", {{"stat_subset_size", 4}}}}};
    const auto r = run_config(c, {"-d"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // DefaultQuantization runs its parts in order; each leaves a loadable model.
    std::vector<std::string> names;
    for (const auto& f : fs::directory_iterator(out_ / "intermediate")) names.push_back(f.path().filename().string());
    std::sort(names.begin(), names.end());
    ASSERT_GE(names.size(), 2u);
    EXPECT_TRUE(names.front().starts_with("1_")) << names.front();
    for (const auto& n : names) {
        EXPECT_TRUE(n.ends_with(".onnx")) << n;
        EXPECT_GT(fs::file_size(out_ / "intermediate" / n), 1000u) << n;
    }
}

TEST_F(BadInput, DataFreeModeQuantizesOnGeneratedImages) {
    // POT's data_free_mode_template.json: no data, the images are generated for the model's input.
    auto c = pot::test::minimal_config();
    c["engine"] = {{"type", "data_free"}, {"generate_data", "True"}, {"layout", "NCHW"},
                   {"shape", "[None, None, None, None]"}, {"data_type", "image"},
                   {"data_source", (dir_.path() / "synthetic").string()}, {"subset_size", 8},
                   {"preprocessing", {{"scale", {255}}}}};
    const auto r = run_config(c, {"-d"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out_ / "fmnist_cnn.onnx"));
    EXPECT_TRUE(fs::exists(dir_.path() / "synthetic" / "000007.png"));
    EXPECT_FALSE(fs::exists(dir_.path() / "synthetic" / "000008.png"));

    // Pointed at a dataset folder, it refuses to write among the files there.
    c["engine"]["data_source"] = (fs::path(POT_SOURCE_DIR) / "examples" / "fmnist" / "data" / "calibration").string();
    fs::remove_all(out_);
    expect_failure(run_config(c, {"-d"}), 2, {"/engine/data_source", "which the generator did not write"});
}

}  // namespace
