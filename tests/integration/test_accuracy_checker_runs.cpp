// POT configs whose Accuracy Checker dataset scores a task outside the supported subset
// (detection: an ssd adapter, VOC annotations, mAP): the model is quantized on the images, and
// only what needs the scoring is refused, naming the parts.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fmnist_example.hpp"
#include "graph_builder.hpp"
#include "pot/core/model_io.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class DetectionScoring : public testing::Test {
protected:
    void SetUp() override { pot::core::save_onnx(pot::test::small_cnn(), dir_.path() / "detector.onnx"); }

    json config(const json& algorithms) const {
        const fs::path images = pot::test::fmnist_example_dir() / "data" / "calibration";
        return {{"model", {{"model_name", "detector"}, {"model", (dir_.path() / "detector.onnx").string()}}},
                {"engine",
                 {{"backend", "reference"},
                  {"launchers", {{{"framework", "dlsdk"}, {"device", "CPU"}, {"adapter", "ssd"}}}},
                  {"datasets",
                   {{{"name", "VOC2007"},
                     {"data_source", images.string()},
                     {"annotation_conversion", {{"converter", "voc_detection"}, {"annotations_dir", "Annotations"}}},
                     {"preprocessing", {{{"type", "resize"}, {"size", 8}}}},
                     {"postprocessing", {{{"type", "resize_prediction_boxes"}}}},
                     {"metrics", {{{"type", "map"}, {"integral", "11point"}}}}}}}}},
                {"compression", {{"algorithms", algorithms}}}};
    }

    pot::test::RunResult run(const json& c, bool evaluate) const {
        pot::test::write_file(dir_.path() / "config.json", c.dump(2));
        std::vector<std::string> args = {"--plugins", POT_PLUGIN_DIR, "-c", (dir_.path() / "config.json").string(),
                                         "-d", "--output-dir", out().string()};
        if (evaluate) args.push_back("-e");
        return pot::test::run_pot_host(args);
    }
    fs::path out() const { return dir_.path() / "out"; }

    pot::test::TempDir dir_;
};

const json kDefault = json::parse(R"([{"name": "DefaultQuantization", "params": {"stat_subset_size": 16}}])");

TEST_F(DetectionScoring, TheModelIsQuantizedOnTheImagesWithAWarningNamingWhatIsNotRead) {
    const auto r = run(config(kDefault), false);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out() / "detector.onnx"));
    for (const char* part : {"/engine/launchers/0/adapter: 'ssd'", "converter: 'voc_detection'",
                             "/engine/datasets/0/postprocessing", "/engine/datasets/0/metrics/0/type: 'map'"})
        EXPECT_NE(r.err.find(part), std::string::npos) << part << " missing from:\n" << r.err;
}

TEST_F(DetectionScoring, EvaluatingIsRefusedBeforeAnyWorkAndLeavesNoResults) {
    const auto r = run(config(kDefault), true);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("-e: cannot evaluate: /engine/launchers/0/adapter: 'ssd'"), std::string::npos) << r.err;
    EXPECT_TRUE(pot::test::empty_or_missing(out())) << r.err;
}

TEST_F(DetectionScoring, AnAlgorithmThatEvaluatesIsRefusedWithTheSameReasons) {
    const auto r = run(config(json::parse(R"([{"name": "AccuracyAwareQuantization",
                                                 "params": {"stat_subset_size": 16, "maximal_drop": 1}}])")),
                       false);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot evaluate: /engine/launchers/0/adapter: 'ssd'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("metrics/0/type: 'map'"), std::string::npos) << r.err;
    EXPECT_TRUE(pot::test::empty_or_missing(out())) << r.err;
}

}  // namespace
