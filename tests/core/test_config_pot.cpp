// POT's configuration files as their users wrote them: every problem of a file in one run, POT's
// lenient syntax and spellings, and errors that say what POT-specific part is not supported.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "config_error.hpp"
#include "pot/core/config.hpp"
#include "pot/error.hpp"

namespace {

namespace fs = std::filesystem;
using pot::core::parse_config;

using pot::test::config_error;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const char* kAlgorithms = R"("compression": {"algorithms": [{"name": "DefaultQuantization"}]})";

std::string config(const std::string& model, const std::string& engine, const std::string& compression = kAlgorithms) {
    return "{\"model\": " + model + ", \"engine\": " + engine + ", " + compression + "}";
}

const char* kModel = R"({"model_name": "net", "model": "net.onnx"})";

TEST(PotConfig, EveryProblemOfTheFileIsNamedInOneError) {
    const auto m = config_error(config(R"({"model_name": "net", "model": "net.onnx", "wieghts": "x.bin"})",
                                       R"({"data_source": "d", "preprocessing": {"resize": "big"}, "treads": 2})",
                                       R"("compression": {"target_device": "CPX", "algorithms": [{"params": {}}]},
                                          "optimizer": {"name": "TPE", "params": {"max_trials": 0}})"));
    EXPECT_TRUE(has(m, "cfg.json: 6 problems:")) << m;
    for (const char* path : {"/model/wieghts", "/engine/preprocessing/resize", "/engine/treads",
                             "/compression/target_device", "/compression/algorithms/0/name",
                             "/optimizer/params/max_trials"})
        EXPECT_TRUE(has(m, path)) << path << " missing from:\n" << m;
}

TEST(PotConfig, EveryUnknownKeyOfOneObjectIsNamed) {
    const auto m = config_error(config(kModel, R"({"data_source": "d", "anotation": "a", "layot": "NCHW"})"));
    EXPECT_TRUE(has(m, "/engine/anotation: unknown parameter 'anotation' (did you mean 'annotation'?)")) << m;
    EXPECT_TRUE(has(m, "/engine/layot: unknown parameter 'layot' (did you mean 'layout'?)")) << m;
}

TEST(PotConfig, AFileOfManyMistakesListsTheFirstTwentyAndCountsTheRest) {
    // Thirty distinct bad sections: one bad metric entry each.
    std::string metrics;
    for (int i = 0; i < 30; ++i) metrics += std::string(i ? ", " : "") + "{\"name\": \"m\"}";
    const auto m = config_error(config(kModel, R"({"data_source": "d", "metrics": [)" + metrics + "]}"));
    EXPECT_TRUE(has(m, "30 problems:")) << m;
    EXPECT_TRUE(has(m, "/engine/metrics/19/type: required")) << m;
    EXPECT_FALSE(has(m, "/engine/metrics/20/type")) << m;
    EXPECT_TRUE(has(m, "... and 10 more")) << m;
}

TEST(PotConfig, TrailingCommasAreAcceptedOutsideStrings) {
    const auto c = parse_config(R"({
        "model": {"model_name": "net", "model": "net.onnx",},
        "engine": {"data_source": "d,}", // a comment, with a comma,
                   "preprocessing": {"mean": [1, 2, 3,],},},
        "compression": {"algorithms": [{"name": "DefaultQuantization",},],},
    })", "/base", "cfg.json");
    EXPECT_EQ(c.engine.data_source, "/base/d,}");
    EXPECT_EQ(c.engine.preprocessing.mean, (std::vector<float>{1, 2, 3}));
    EXPECT_EQ(c.compression.algorithms.size(), 1u);
    // A comma with nothing before it is still an error.
    EXPECT_TRUE(has(config_error(R"({"model": {, "model": "n.onnx"}})"), "invalid JSON"));
}

TEST(PotConfig, AnAccuracyCheckerEngineWithoutItsPartsSaysWhatItNeeds) {
    const auto typed = config_error(config(kModel, R"({"type": "accuracy_checker"})"));
    EXPECT_TRUE(has(typed, "/engine/type: 'accuracy_checker' needs its config")) << typed;
    const auto half = config_error(config(kModel, R"({"launchers": [{}]})"));
    EXPECT_TRUE(has(half, "/engine/datasets: required")) << half;
    const auto mixed = config_error(config(kModel, R"({"launchers": [{}], "datasets": [{"data_source": "d"}],
                                                       "data_source": "d"})"));
    EXPECT_TRUE(has(mixed, "takes its data, annotation, preprocessing and metrics from its datasets entry")) << mixed;
    // No type and no data: the default engine type is what the user needs to hear about.
    const auto bare = config_error(config(kModel, "{}"));
    EXPECT_TRUE(has(bare, "/engine/data_source: required")) << bare;
    EXPECT_TRUE(has(bare, "/engine/type is absent")) << bare;
}

TEST(PotConfig, EngineLayoutIsReadAsThePreprocessingLayout) {
    const auto c = parse_config(config(kModel, R"({"data_source": "d", "layout": "NHWC"})"), "/base", "cfg.json");
    EXPECT_EQ(c.engine.preprocessing.layout, "NHWC");
    const auto m = config_error(config(kModel, R"({"data_source": "d", "layout": "NHWC", "preprocessing": {"layout": "NCHW"}})"));
    EXPECT_TRUE(has(m, "/engine/layout: given twice")) << m;
}

TEST(PotConfig, ModelNameComesFromTheFileWhenAbsent) {
    const auto c = parse_config(config(R"({"model": "models/mobilenet-v2.onnx"})", R"({"data_source": "d"})"), "/base",
                                "cfg.json");
    EXPECT_EQ(c.model.name, "mobilenet-v2");
}

TEST(PotConfig, ModelNameKeyIsIgnoredWithAWarningAsPotIgnoresIt) {
    const auto c = parse_config(config(R"({"name": "bert", "model": "net.onnx"})", R"({"data_source": "d"})"), "/base",
                                "cfg.json");
    EXPECT_EQ(c.model.name, "net");
    std::string warnings;
    for (const auto& w : c.warnings) warnings += w + "\n";
    EXPECT_TRUE(has(warnings, "/model/name: ignored")) << warnings;
    EXPECT_TRUE(has(warnings, "'net'")) << warnings;
}

const char* kCascade = R"({"model_name": "mtcnn", "cascade": [{"name": "pnet", "model": "p.onnx", "weights": "p.bin"},
                                                           {"name": "rnet", "model": "r.onnx"}]})";

TEST(PotConfig, CascadeModelsEachGetTheirOwnIgnoredBlock) {
    const auto c = parse_config(
        config(kCascade, R"({"data_source": "d"})",
               R"("compression": {"algorithms": [{"name": "DefaultQuantization", "params": {"preset": "mixed",
                   "ignored": {"pnet": {"scope": ["conv1"]}, "rnet": {"skip_model": true}}}},
                   {"name": "FastBiasCorrection"}]})"),
        "/base", "cfg.json");
    EXPECT_EQ(c.model.name, "mtcnn");
    EXPECT_TRUE(c.model.model.empty());
    ASSERT_EQ(c.model.cascade.size(), 2u);
    EXPECT_EQ(c.model.cascade[0].name, "pnet");
    EXPECT_EQ(c.model.cascade[0].model, "/base/p.onnx");
    EXPECT_EQ(c.model.cascade[1].model, "/base/r.onnx");
    for (const auto& m : c.model.cascade) ASSERT_EQ(m.algorithms.size(), 2u) << m.name;
    const auto params = [&](size_t model, size_t algorithm) {
        return nlohmann::json::parse(c.model.cascade[model].algorithms[algorithm].params_json);
    };
    EXPECT_EQ(params(0, 0)["ignored"], nlohmann::json::parse(R"({"scope": ["conv1"]})"));
    EXPECT_EQ(params(1, 0)["ignored"], nlohmann::json::parse(R"({"skip_model": true})"));
    EXPECT_EQ(params(0, 0)["preset"], "mixed");
    EXPECT_EQ(c.model.cascade[1].algorithms[1].name, "FastBiasCorrection");
    EXPECT_EQ(c.model.cascade[1].algorithms[0].path, "/compression/algorithms/0");
}

TEST(PotConfig, CascadeIgnoredBlockWithoutModelNamesAppliesToEveryModel) {
    const auto c = parse_config(
        config(kCascade, R"({"data_source": "d"})",
               R"("compression": {"algorithms": [{"name": "MinMaxQuantization", "params": {"ignored": {"scope": ["x"]}}}]})"),
        "/base", "cfg.json");
    for (const auto& m : c.model.cascade)
        EXPECT_EQ(nlohmann::json::parse(m.algorithms[0].params_json)["ignored"]["scope"][0], "x") << m.name;
    // A model without a block of its own has nothing ignored.
    const auto d = parse_config(
        config(kCascade, R"({"data_source": "d"})",
               R"("compression": {"algorithms": [{"name": "MinMaxQuantization", "params": {"ignored": {"rnet": {"scope": ["x"]}}}}]})"),
        "/base", "cfg.json");
    EXPECT_FALSE(nlohmann::json::parse(d.model.cascade[0].algorithms[0].params_json).contains("ignored"));
}

TEST(PotConfig, CascadeMistakesAreNamedWithTheirPaths) {
    const auto m = config_error(config(
        R"({"model_name": "c", "model": "x.onnx", "cascade": [{"name": "a", "model": "a.onnx"}, {"name": "a", "model": "b.onnx"},
                                                           {"model": "c.onnx"}, {"name": "d"}, {"name": "../e", "model": "e.onnx"}]})",
        R"({"data_source": "d"})",
        R"("compression": {"algorithms": [{"name": "DefaultQuantization", "params": {"ignored": {"a": {}, "b": {}, "scope": ["n"]}}}]},
           "optimizer": {"name": "TPE", "params": {"max_trials": 2}})"));
    for (const char* part : {"/model/model: a cascade names its models in /model/cascade",
                             "/model/cascade/1/name: 'a' names two models of the cascade",
                             "/model/cascade/2/name: required", "/model/cascade/3/model: required",
                             "/model/cascade/4/name: '../e' must be a plain file name",
                             "/compression/algorithms/0/params/ignored/b: no model of /model/cascade has that name",
                             "/compression/algorithms/0/params/ignored/scope: beside blocks of the cascade's models",
                             "/optimizer: a cascade is tuned on the accuracy of its whole pipeline"})
        EXPECT_TRUE(has(m, part)) << part << " missing from:\n" << m;
    const auto empty = config_error(config(R"({"model_name": "c", "cascade": []})", R"({"data_source": "d"})"));
    EXPECT_TRUE(has(empty, "/model/cascade: expected a list of 1 to 16 models")) << empty;
    const auto unnamed = config_error(config(R"({"cascade": [{"name": "a", "model": "a.onnx"}]})", R"({"data_source": "d"})"));
    EXPECT_TRUE(has(unnamed, "/model/model_name: required (the cascade's name")) << unnamed;
}

TEST(PotConfig, CascadeModelFilesMustExist) {
    const fs::path dir = fs::temp_directory_path() / ("pot_cascade_paths_" + std::to_string(::getpid()));
    fs::create_directories(dir / "data");
    std::ofstream(dir / "a.onnx") << "x";
    const auto c = parse_config(config(R"({"model_name": "c", "cascade": [{"name": "a", "model": "a.onnx"},
                                                                          {"name": "b", "model": "b.onnx"}]})",
                                       R"({"data_source": "data"})"),
                                dir, "cfg.json");
    try {
        pot::core::check_config_paths(c);
        ADD_FAILURE() << "no error";
    } catch (const pot::Error& e) {
        EXPECT_TRUE(has(e.what(), "/model/cascade/1/model: '" + (dir / "b.onnx").string() + "' does not exist")) << e.what();
        EXPECT_FALSE(has(e.what(), "/model/cascade/0")) << e.what();
    }
    fs::remove_all(dir);
}

TEST(PotConfig, PotDevicesWithEightBitRulesAreTargets) {
    for (const char* device : {"GPU", "VPU", "NPU", "CPU_SPR"}) {
        const auto c = parse_config(config(kModel, R"({"data_source": "d"})",
                                           std::string(R"("compression": {"target_device": ")") + device +
                                               R"(", "algorithms": [{"name": "DefaultQuantization"}]})"),
                                    "/base", "cfg.json");
        EXPECT_EQ(c.compression.target_device, device);
    }
}

TEST(PotConfig, ModelTypeGoesToTheQuantizingAlgorithms) {
    const auto c = parse_config(config(kModel, R"({"data_source": "d"})",
                                       R"("compression": {"model_type": "transformer", "algorithms": [
                                            {"name": "DefaultQuantization"},
                                            {"name": "QuantNoiseEstimator", "params": {"type": "sqnr"}},
                                            {"name": "MinMaxQuantization", "params": {"model_type": ""}}]})"),
                                "/base", "cfg.json");
    ASSERT_EQ(c.compression.algorithms.size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(c.compression.algorithms[0].params_json).value("model_type", ""), "transformer");
    EXPECT_FALSE(nlohmann::json::parse(c.compression.algorithms[1].params_json).contains("model_type"));
    EXPECT_EQ(nlohmann::json::parse(c.compression.algorithms[2].params_json).value("model_type", "?"), "");
    const auto m = config_error(config(kModel, R"({"data_source": "d"})",
                                       R"("compression": {"model_type": "cnn", "algorithms": [{"name": "DefaultQuantization"}]})"));
    EXPECT_TRUE(has(m, "/compression/model_type")) << m;
    // POT's spec files say "None" for no model type; JSON null means the same.
    for (const char* none : {R"("None")", "null"}) {
        const auto spec = parse_config(config(kModel, R"({"data_source": "d"})",
                                              std::string(R"("compression": {"model_type": )") + none +
                                                  R"(, "algorithms": [{"name": "DefaultQuantization"}]})"),
                                       "/base", "cfg.json");
        EXPECT_FALSE(nlohmann::json::parse(spec.compression.algorithms[0].params_json).contains("model_type")) << none;
    }
}

TEST(PotConfig, GnaSaysWhyInsteadOfSuggestingCpu) {
    for (const char* device : {"GNA", "GNA3", "GNA3.5"}) {
        const auto m = config_error(config(kModel, R"({"data_source": "d"})",
                                           std::string(R"("compression": {"target_device": ")") + device +
                                               R"(", "algorithms": [{"name": "DefaultQuantization"}]})"));
        EXPECT_TRUE(has(m, "GNA quantizes activations to 16 bits")) << m;
        EXPECT_FALSE(has(m, "did you mean")) << m;
    }
}

TEST(PotConfig, PotEngineKeysAreReadWithTheirMeaning) {
    const auto c = parse_config(config(kModel, R"({"data_source": "d", "device": "CPU", "stat_requests_number": 4,
                                                   "eval_requests_number": 4})"),
                                "/base", "cfg.json");
    EXPECT_EQ(c.engine.data_source, "/base/d");
    const auto m = config_error(config(kModel, R"({"data_source": "d", "device": "GPU"})"));
    EXPECT_TRUE(has(m, "/engine/device: 'GPU'")) << m;
}

class ConfigPaths : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("pot_config_paths_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "data");
        std::ofstream(dir_ / "net.onnx") << "x";
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string config_error_in(const std::string& text) { return config_error(text, dir_); }
    fs::path dir_;
};

TEST_F(ConfigPaths, EveryMissingFileIsNamedWithItsPath) {
    auto c = parse_config(config(R"({"model_name": "n", "model": "missing.onnx"})",
                                 R"({"data_source": "nodata", "annotation": "data"})"),
                          dir_, "cfg.json");
    c.file = dir_ / "cfg.json";
    try {
        pot::core::check_config_paths(c);
        FAIL() << "missing files accepted";
    } catch (const pot::Error& e) {
        const std::string m = e.what();
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << "a missing file is exit code 2, like other config errors";
        EXPECT_TRUE(has(m, "2 problems")) << m;
        EXPECT_TRUE(has(m, "/model/model: '" + (dir_ / "missing.onnx").string() + "' does not exist")) << m;
        EXPECT_TRUE(has(m, "/engine/data_source: '" + (dir_ / "nodata").string() + "' does not exist")) << m;
    }
    c = parse_config(config(R"({"model_name": "n", "model": "net.onnx"})", R"({"data_source": "data"})"), dir_,
                     "cfg.json");
    EXPECT_NO_THROW(pot::core::check_config_paths(c));
    c = parse_config(config(R"({"model_name": "n", "model": "data"})", R"({"data_source": "data"})"), dir_, "cfg.json");
    EXPECT_THROW(pot::core::check_config_paths(c), pot::Error) << "a folder as the model";
}

// POT's default engine: inline launchers and datasets, or an Accuracy Checker YAML file.
const char* kInlineChecker = R"json({
    "name": "net",
    "datasets": [{
        "name": "imagenet_1000_classes",
        "data_source": "images",
        "annotation_conversion": {"converter": "imagenet", "annotation_file": "val.txt"},
        "preprocessing": [{"type": "bgr_to_rgb"}, {"type": "resize", "size": 256},
                          {"type": "crop", "dst_height": 224, "dst_width": 200},
                          {"type": "normalization", "mean": "(123.675, 116.28, 103.53)", "std": [58.395, 57.12, 57.375]}],
        "metrics": [{"type": "accuracy", "name": "accuracy@top1", "top_k": 1},
                    {"type": "accuracy", "name": "accuracy@top5", "top_k": 5}]
    }],
    "launchers": [{"framework": "dlsdk", "device": "CPU", "adapter": "classification"}]
})json";

TEST(PotConfig, InlineAccuracyCheckerEngineIsReadAsTheSimplifiedOne) {
    const auto c = parse_config(config(kModel, kInlineChecker), "/base", "cfg.json");
    EXPECT_EQ(c.engine.type, "accuracy_checker");
    EXPECT_EQ(c.engine.data_source, "/base/images");
    EXPECT_EQ(*c.engine.annotation, "/base/val.txt");
    const auto& pre = c.engine.preprocessing;
    EXPECT_EQ(pre.color, "RGB");
    EXPECT_EQ(*pre.resize, std::make_pair(256, 256));
    EXPECT_EQ(*pre.crop, std::make_pair(224, 200));
    EXPECT_EQ(pre.mean, (std::vector<float>{123.675f, 116.28f, 103.53f}));
    EXPECT_EQ(pre.scale, (std::vector<float>{58.395f, 57.12f, 57.375f}));
    ASSERT_EQ(c.engine.metrics.size(), 2u);
    EXPECT_EQ(c.engine.metrics[1].type, "accuracy");
    EXPECT_EQ(c.engine.metrics[1].name, "accuracy@top5");
    EXPECT_EQ(nlohmann::json::parse(c.engine.metrics[1].params_json)["top_k"], 5);
}

TEST(PotConfig, AccuracyCheckerWithoutBgrToRgbKeepsOpenCvsOrder) {
    const auto c = parse_config(config(kModel, R"({"datasets": [{"data_source": "d"}], "launchers": [{}]})"),
                                "/base", "cfg.json");
    EXPECT_EQ(c.engine.preprocessing.color, "BGR");
    EXPECT_FALSE(c.engine.annotation.has_value());
}

TEST(PotConfig, EverythingOutsideTheAccuracyCheckerSubsetIsListed) {
    const auto m = config_error(config(kModel, R"({
        "datasets": [{"data_source": "d", "reader": "skimage_imread",
                      "annotation_conversion": {"converter": "voc_detection", "annotation_file": "a.txt"},
                      "preprocessing": [{"type": "resize", "size": 299}, {"type": "crop", "central_fraction": 0.875},
                                        {"type": "crop", "size": 224}, {"type": "flip"}],
                      "postprocessing": [],
                      "metrics": [{"type": "map"}]}],
        "launchers": [{"framework": "dlsdk", "device": "GPU", "adapter": "ssd"}]})"));
    for (const char* part : {"/engine/launchers/0/device: 'GPU'", "/engine/datasets/0/reader",
                             "/preprocessing/1: 'crop' after a later step", "/preprocessing/3/type: 'flip'"})
        EXPECT_TRUE(has(m, part)) << part << " missing from:\n" << m;
    // What only scores accuracy does not stop quantization (see the next test).
    for (const char* part : {"adapter", "voc_detection", "postprocessing", "'map'"})
        EXPECT_FALSE(has(m, part)) << part << " in:\n" << m;
    const auto order = config_error(config(kModel, R"({"datasets": [{"data_source": "d",
        "preprocessing": [{"type": "crop", "size": 224}, {"type": "resize", "size": 256}]}], "launchers": [{}]})"));
    EXPECT_TRUE(has(order, "/preprocessing/1: 'resize' after a later step")) << order;
}

TEST(PotConfig, ScoringPartsOutsideTheSubsetAreWarnedAboutAndQuantizationStillRuns) {
    // POT's SSD config: a detection adapter, VOC annotations, box postprocessing and mAP. The
    // statistics need only the inputs.
    const char* ssd = R"({
        "launchers": [{"framework": "dlsdk", "device": "CPU", "adapter": "ssd"}],
        "datasets": [{"name": "VOC2007", "data_source": "images",
                      "annotation_conversion": {"converter": "voc_detection", "annotations_dir": "a", "images_dir": "i",
                                                "imageset_file": "t.txt"},
                      "preprocessing": [{"type": "resize", "size": 300}],
                      "postprocessing": [{"type": "resize_prediction_boxes"}],
                      "metrics": [{"type": "map", "integral": "11point", "ignore_difficult": true}]}]})";
    const auto c = parse_config(config(kModel, ssd), "/base", "cfg.json");
    EXPECT_EQ(c.engine.data_source, "/base/images");
    EXPECT_FALSE(c.engine.annotation.has_value());
    EXPECT_TRUE(c.engine.metrics.empty());
    ASSERT_EQ(c.engine.scoring_unsupported.size(), 4u);
    ASSERT_EQ(c.warnings.size(), 1u);
    for (const char* part : {"/engine/launchers/0/adapter: 'ssd'", "/engine/datasets/0/annotation_conversion/converter: "
                             "'voc_detection'", "/engine/datasets/0/postprocessing", "/engine/datasets/0/metrics/0/type: 'map'",
                             "the model is quantized, but -e and algorithms that evaluate"})
        EXPECT_TRUE(has(c.warnings[0], part)) << part << " missing from:\n" << c.warnings[0];
    // A tuning run scores every trial: refused.
    const auto m = config_error(config(kModel, ssd, std::string(kAlgorithms) + R"(, "optimizer": {"name": "TPE"})"));
    EXPECT_TRUE(has(m, "/optimizer: its trials are scored with the dataset's annotations and metrics, and "
                       "/engine/launchers/0/adapter: 'ssd'")) << m;
}

TEST(PotConfig, LauncherDeviceInAnyCaseAndModelOptimizerSettingsAreAccepted) {
    // POT's BERT files: device "cpu" and the IR conversion settings, which an ONNX model needs not.
    const auto c = parse_config(config(kModel, R"({"launchers": [{"framework": "dlsdk", "device": "cpu",
        "mo_params": {"data_type": "FP32"}, "mo_flags": ["disable_nhwc_to_nchw"]}], "datasets": [{"data_source": "d"}]})"),
                                "/base", "cfg.json");
    EXPECT_EQ(c.engine.data_source, "/base/d");
    const auto m = config_error(config(kModel, R"({"launchers": [{"device": "gpu"}], "datasets": [{"data_source": "d"}]})"));
    EXPECT_TRUE(has(m, "/engine/launchers/0/device: 'gpu': the engines here run on the CPU only")) << m;
}

TEST(PotConfig, EastsAspectRatioResizeIsRead) {
    // POT's EAST config: the longer side limited to 2400, sides multiples of 32.
    const auto c = parse_config(config(kModel, R"({"launchers": [{"allow_reshape_input": true}], "datasets": [{
        "data_source": "d", "preprocessing": [{"type": "resize", "dst_height": 2400, "dst_width": 32,
                                               "aspect_ratio_scale": "east_keep_aspect_ratio"}, {"type": "bgr_to_rgb"}]}]})"),
                                "/base", "cfg.json");
    EXPECT_EQ(*c.engine.preprocessing.resize_limit_multiple, std::make_pair(2400, 32));
    EXPECT_FALSE(c.engine.preprocessing.resize.has_value());
    EXPECT_EQ(c.engine.preprocessing.color, "RGB");
}

TEST(PotConfig, NumpyReaderFeedsTheArraysAsTheyAre) {
    // POT's brain-tumour segmentation file: numpy_reader, by name or as {type: numpy_reader}.
    for (const char* reader : {R"("numpy_reader")", R"({"type": "numpy_reader"})"}) {
        const auto c = parse_config(config(kModel, std::string(R"({"datasets": [{"data_source": "d", "reader": )") +
                                                       reader + R"(}], "launchers": [{}]})"),
                                    "/base", "cfg.json");
        EXPECT_TRUE(c.engine.arrays_only) << reader;
    }
    EXPECT_FALSE(parse_config(config(kModel, R"({"datasets": [{"data_source": "d"}], "launchers": [{}]})"), "/base",
                              "cfg.json").engine.arrays_only);
    // Image steps cannot apply to arrays.
    const auto m = config_error(config(kModel, R"({"datasets": [{"data_source": "d", "reader": "numpy_reader",
        "preprocessing": [{"type": "resize", "size": 32}]}], "launchers": [{}]})"));
    EXPECT_TRUE(has(m, "/engine/datasets/0/preprocessing: numpy_reader's arrays are fed as they are")) << m;
}

TEST(PotConfig, TorchvisionAndTensorFlowStyleAccuracyCheckerSteps) {
    // Pillow reads RGB and bgr_to_rgb swaps it; the shorter side is resized keeping the aspect ratio.
    const auto torch = parse_config(config(kModel, R"({"datasets": [{"data_source": "d", "reader": "pillow_imread",
        "preprocessing": [{"type": "resize", "size": 256, "aspect_ratio_scale": "greater", "use_pillow": true},
                          {"type": "crop", "size": 224, "use_pillow": true}, {"type": "bgr_to_rgb"}]}],
        "launchers": [{}]})"), "/base", "cfg.json");
    const auto& pre = torch.engine.preprocessing;
    EXPECT_EQ(pre.color, "BGR");
    EXPECT_EQ(pre.resize_shorter_side, 256);
    EXPECT_FALSE(pre.resize.has_value());
    EXPECT_EQ(*pre.crop, std::make_pair(224, 224));
    // TensorFlow's central crop before the resize, and a background class before the labels.
    const auto tf = parse_config(config(kModel, R"({"datasets": [{"data_source": "d",
        "annotation_conversion": {"converter": "imagenet", "annotation_file": "val.txt", "has_background": true},
        "preprocessing": [{"type": "crop", "central_fraction": 0.875}, {"type": "resize", "size": 299}]}],
        "launchers": [{}]})"), "/base", "cfg.json");
    EXPECT_FLOAT_EQ(*tf.engine.preprocessing.crop_fraction, 0.875f);
    EXPECT_EQ(*tf.engine.preprocessing.resize, std::make_pair(299, 299));
    EXPECT_EQ(tf.engine.label_offset, 1);
}

TEST_F(ConfigPaths, AnAccuracyCheckerYamlFileIsReadRelativeToItself) {
    fs::create_directories(dir_ / "ac");
    std::ofstream(dir_ / "ac" / "net.yml") << R"(models:
  - name: net
    launchers:
      - framework: dlsdk
        device: CPU
        adapter: classification
    datasets:
      - name: imagenet
        data_source: ../data
        annotation_conversion:
          converter: imagenet
          annotation_file: "val.txt"
        preprocessing:
          - type: resize
            size: 32
          - type: normalization
            mean: 127.5
            std: 255
        metrics:
          - name: accuracy@top1
            type: accuracy
            top_k: 1
)";
    const auto c = parse_config(config(kModel, R"({"config": "ac/net.yml"})"), dir_, "cfg.json");
    EXPECT_EQ(c.engine.data_source, dir_ / "data");
    EXPECT_EQ(*c.engine.annotation, dir_ / "ac" / "val.txt");
    EXPECT_EQ(*c.engine.preprocessing.resize, std::make_pair(32, 32));
    EXPECT_EQ(c.engine.preprocessing.mean, std::vector<float>{127.5f});
    EXPECT_EQ(c.engine.preprocessing.scale, std::vector<float>{255.0f});
    ASSERT_EQ(c.engine.metrics.size(), 1u);

    std::ofstream(dir_ / "ac" / "bad.yml") << "models:\n  - name: net\n    launchers: [{adapter: yolo_v3}]\n"
                                              "    datasets: [{data_source: d, reader: skimage_imread, metrics: [{type: coco_precision}]}]\n";
    const auto m = config_error_in(config(kModel, R"({"config": "ac/bad.yml"})"));
    EXPECT_TRUE(has(m, (dir_ / "ac" / "bad.yml").string() + ": /models/0/datasets/0/reader: 'skimage_imread'")) << m;
    // Parts that only score accuracy name the file too.
    std::ofstream(dir_ / "ac" / "detector.yml") << "models:\n  - name: net\n    launchers: [{adapter: yolo_v3}]\n"
                                                   "    datasets: [{data_source: d, metrics: [{type: coco_precision}]}]\n";
    const auto detector = parse_config(config(kModel, R"({"config": "ac/detector.yml"})"), dir_, "cfg.json");
    ASSERT_EQ(detector.engine.scoring_unsupported.size(), 2u);
    EXPECT_EQ(detector.engine.scoring_unsupported[0],
              (dir_ / "ac" / "detector.yml").string() + ": /models/0/launchers/0/adapter: 'yolo_v3' is not in the "
              "supported subset (classification: the model's output scores the classes; bert_question_answering: "
              "start and end logits of SQuAD answers)");
    EXPECT_TRUE(has(detector.engine.scoring_unsupported[1], "/models/0/datasets/0/metrics/0/type: 'coco_precision'"));
    std::ofstream(dir_ / "ac" / "broken.yml") << "models: [\n";
    EXPECT_TRUE(has(config_error_in(config(kModel, R"({"config": "ac/broken.yml"})")), "invalid YAML"));
    EXPECT_TRUE(has(config_error_in(config(kModel, R"({"config": "ac/none.yml"})")), "none.yml"));
}

}  // namespace

namespace {

bool warned(const pot::core::Config& c, const std::string& part) {
    for (const auto& w : c.warnings)
        if (has(w, part)) return true;
    return false;
}

TEST(PotConfig, SpecFilesAlternativesAreReadAsPotReadsThem) {
    // POT's spec files list the engines side by side: a simplified engine ignores the Accuracy
    // Checker keys, and a config file wins over inline launchers and datasets.
    const auto simplified = parse_config(config(kModel, R"({"type": "simplified", "data_source": "d", "name": "m",
        "config": "ac.yml", "launchers": [{"adapter": "classification"}], "datasets": [{"data_source": "x"}]})"),
                                         "/base", "cfg.json");
    EXPECT_EQ(simplified.engine.type, "simplified");
    EXPECT_TRUE(warned(simplified, "/engine/config, /engine/launchers, /engine/datasets, /engine/name: ignored"));

    const auto plain = parse_config(config(kModel, R"({"data_source": "d"})"), "/base", "cfg.json");
    EXPECT_TRUE(plain.warnings.empty());
}

TEST_F(ConfigPaths, AnAccuracyCheckerFileWinsOverInlineLaunchers) {
    std::ofstream(dir_ / "ac.yml") << R"(models:
  - name: m
    launchers: [{framework: openvino, adapter: classification}]
    datasets:
      - name: d
        data_source: data
        metrics: [{type: accuracy, top_k: 1}]
)";
    const auto c = parse_config(config(kModel, R"({"config": "ac.yml", "launchers": [{}], "datasets": [{}]})"), dir_,
                                "cfg.json");
    EXPECT_EQ(c.engine.type, "accuracy_checker");
    EXPECT_EQ(c.engine.data_source, dir_ / "data");
    EXPECT_TRUE(warned(c, "/engine/launchers, /engine/datasets: ignored: /engine/config"));
}

TEST_F(ConfigPaths, ACascadesEvaluatorModuleGivesItsDatasetAndIsNotRun) {
    // POT's MTCNN file: the Accuracy Checker's evaluations entry with a Python evaluator module.
    std::ofstream(dir_ / "mtcnn.yaml") << R"(evaluations:
  - name: mtcnn
    module: custom_evaluators.mtcnn_evaluator.MTCNNEvaluator
    module_config:
      network_info:
        pnet:
          outputs: {probability_out: prob1, region_out: conv4-2}
          preprocessing: [{type: bgr_to_rgb}, {type: pyramid, min_size: 10, factor: 0.79}]
      launchers:
        - framework: dlsdk
          device: CPU
      datasets:
        - name: wider
          data_source: images
          preprocessing: [{type: bgr_to_rgb}]
)";
    const auto c = parse_config(config(kCascade, R"({"config": "mtcnn.yaml", "module": "m", "module_config": {}})"),
                                dir_, "cfg.json");
    EXPECT_EQ(c.engine.type, "accuracy_checker");
    EXPECT_EQ(c.engine.data_source, dir_ / "images");
    EXPECT_EQ(c.engine.preprocessing.color, "RGB");
    EXPECT_TRUE(warned(c, "/engine/module, /engine/module_config: ignored: /engine/config")) << c.warnings.size();
    EXPECT_TRUE(warned(c, "mtcnn.yaml: /evaluations/0/module \"custom_evaluators.mtcnn_evaluator.MTCNNEvaluator\": evaluator "
                          "modules are Accuracy Checker's Python code and are not run here"));
    // The same inline, as POT's cascade spec file writes it.
    const auto inline_module = parse_config(
        config(kCascade, R"({"module": "evaluator", "module_config": {"network_info": {"pnet": {}},
            "launchers": [{"framework": "dlsdk"}], "datasets": [{"name": "w", "data_source": "images"}]}})"),
        dir_, "cfg.json");
    EXPECT_EQ(inline_module.engine.data_source, dir_ / "images");
    const auto m = config_error_in(config(kCascade, R"({"module": "evaluator"})"));
    EXPECT_TRUE(has(m, "/engine/module_config: required")) << m;
}

TEST(PotConfig, PotsSpellingOfInplaceStatisticsAndDumpIntermediateModel) {
    const auto c = parse_config(config(kModel, R"({"data_source": "d"})",
        R"("compression": {"inplase_statistics": true, "dump_intermediate_model": true,
                           "algorithms": [{"name": "DefaultQuantization"}]})"), "/base", "cfg.json");
    EXPECT_TRUE(c.compression.dump_intermediate_model);
    EXPECT_TRUE(warned(c, "/compression/inplase_statistics: read as inplace_statistics"));
    const auto m = config_error(config(kModel, R"({"data_source": "d"})",
        R"("compression": {"inplase_statistics": true, "inplace_statistics": false, "algorithms": [{"name": "DefaultQuantization"}]})"));
    EXPECT_TRUE(has(m, "give the latter only")) << m;
}

TEST(PotConfig, OptimizationAndEvaluationDatasetsShareTheGlobalPreprocessing) {
    // POT's calibration_validation_datasets_template.json: statistics on one dataset, accuracy on another.
    const auto c = parse_config(config(kModel, R"({"launchers": [{"adapter": "classification"}], "datasets": {
        "preprocessing": [{"type": "crop", "central_fraction": 0.875}, {"type": "resize", "size": 224}],
        "optimization": {"name": "calib", "data_source": "calib"},
        "evaluation": {"name": "val", "data_source": "val",
                       "annotation_conversion": {"converter": "imagenet", "annotation_file": "val.txt"},
                       "metrics": [{"name": "accuracy@top1", "type": "accuracy", "top_k": 1}]}}})"),
                                "/base", "cfg.json");
    EXPECT_EQ(c.engine.data_source, fs::path("/base/calib"));
    ASSERT_TRUE(c.engine.evaluation_data_source && c.engine.evaluation_annotation);
    EXPECT_EQ(*c.engine.evaluation_data_source, fs::path("/base/val"));
    EXPECT_EQ(*c.engine.evaluation_annotation, fs::path("/base/val.txt"));
    ASSERT_EQ(c.engine.metrics.size(), 1u);
    EXPECT_EQ(c.engine.preprocessing.crop_fraction, 0.875f);
    ASSERT_TRUE(c.engine.preprocessing.resize);

    const auto m = config_error(config(kModel, R"({"launchers": [{}], "datasets": {
        "optimization": {"data_source": "calib", "preprocessing": [{"type": "resize", "size": 224}]},
        "evaluation": {"data_source": "val", "preprocessing": [{"type": "resize", "size": 256}]}, "extra": 1}})"));
    EXPECT_TRUE(has(m, "/engine/datasets/evaluation: its preprocessing")) << m;
    EXPECT_TRUE(has(m, "unknown parameter 'extra'")) << m;
    EXPECT_TRUE(has(config_error(config(kModel, R"({"launchers": [{}], "datasets": {"evaluation": {"data_source": "v"}}})")),
                    "/engine/datasets/optimization: required"));
}

}  // namespace

namespace {

TEST_F(ConfigPaths, AFileNamePatternNeedsItsFolder) {
    auto c = parse_config(config(kModel, R"({"data_source": "data/*.png"})"), dir_, "cfg.json");
    c.model.model = dir_ / "net.onnx";
    EXPECT_NO_THROW(pot::core::check_config_paths(c));
    c = parse_config(config(kModel, R"({"data_source": "nowhere/*.png"})"), dir_, "cfg.json");
    c.model.model = dir_ / "net.onnx";
    try {
        pot::core::check_config_paths(c);
        ADD_FAILURE() << "a pattern in a missing folder passed";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("the folder of its file-name pattern"), std::string::npos) << e.what();
    }
}

}  // namespace
