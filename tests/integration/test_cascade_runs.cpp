// POT's cascades (model.cascade): several models quantized in one run into one results folder,
// each with its own ignored block and its own comparison with its FP32 outputs.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fmnist_example.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

size_t count_ops(const fs::path& model, const std::string& op_type) {
    const auto graph = pot::core::load_onnx(model);
    return static_cast<size_t>(std::count_if(graph.nodes.begin(), graph.nodes.end(),
                                             [&](const pot::Node& n) { return n.op_type == op_type; }));
}

// Quantizers read back from a QDQ file.
size_t count_quantizers(const fs::path& model) {
    const auto graph = pot::core::load_onnx(model);
    return static_cast<size_t>(std::count_if(graph.nodes.begin(), graph.nodes.end(), pot::is_fake_quantize));
}

// Two bundled models as a cascade, calibrated on the bundled images; the second one's ignored
// block leaves it whole in float unless `skip_second` is false.
json cascade_config(bool skip_second) {
    json c = pot::test::fmnist_example_config("default_quantization.json");
    const fs::path dir = pot::test::fmnist_example_dir();
    c["model"] = {{"model_name", "fm"},
                  {"cascade", {{{"name", "first"}, {"model", (dir / "fmnist_cnn.onnx").string()}},
                               {{"name", "second"}, {"model", (dir / "fmnist_resnet.onnx").string()}}}}};
    c["engine"].erase("evaluation");
    c["engine"]["backend"] = "reference";
    json& params = c["compression"]["algorithms"][0]["params"];
    params["stat_subset_size"] = 32;
    params["ignored"] = {{"first", {{"scope", json::array()}}}};
    if (skip_second) params["ignored"]["second"] = {{"skip_model", true}};
    return c;
}

TEST(CascadeRun, EachModelIsQuantizedIntoOneResultsFolderWithItsOwnIgnoredBlock) {
    pot::test::TempDir work;
    const auto r = pot::test::quantize_and_evaluate(cascade_config(true), work.path() / "out");
    ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
    const fs::path first = work.path() / "out" / "fm_first.onnx", second = work.path() / "out" / "fm_second.onnx";
    ASSERT_TRUE(fs::exists(first));
    ASSERT_TRUE(fs::exists(second));
    EXPECT_GT(count_quantizers(first), 0u);
    // skip_model: the second model keeps every node in float.
    EXPECT_EQ(count_quantizers(second), 0u);
    EXPECT_EQ(count_ops(second, "Conv"), count_ops(pot::test::fmnist_example_dir() / "fmnist_resnet.onnx", "Conv"));

    const json& models = r.report.at("models");
    ASSERT_EQ(models.size(), 2u);
    EXPECT_EQ(models[0].at("name"), "first");
    EXPECT_EQ(models[1].at("name"), "second");
    for (const auto& m : models) {
        EXPECT_TRUE(fs::exists(m.at("files").at("int8_model").get<std::string>())) << m.dump();
        // Compared with its own FP32 outputs: the labels score the pipeline, not one model.
        EXPECT_EQ(m.at("evaluation").at("metric").get<std::string>().rfind("agreement", 0), 0u) << m.dump();
    }
    EXPECT_FALSE(models[0].at("layers").empty());
    EXPECT_TRUE(models[1].at("layers").empty());  // nothing quantized, nothing to compare
    EXPECT_GE(models[0].at("evaluation").at("int8").get<double>(), 95.0);
    EXPECT_DOUBLE_EQ(models[1].at("evaluation").at("int8").get<double>(), 100.0);
    EXPECT_TRUE(fs::exists(work.path() / "out" / "first_layer_errors.png"));
    EXPECT_NE(r.run.out.find("Quantized cascade fm (2 models)"), std::string::npos) << r.run.out;
}

TEST(CascadeRun, AModelThatCannotBeLoadedLeavesNoResults) {
    pot::test::TempDir work;
    json c = cascade_config(false);
    const fs::path broken = work.path() / "broken.onnx";
    pot::test::write_file(broken, "not a model");
    c["model"]["cascade"][1]["model"] = broken.string();
    const auto r = pot::test::quantize_and_evaluate(c, work.path() / "out");
    EXPECT_EQ(r.run.exit_code, 1) << r.run.out << r.run.err;
    EXPECT_NE(r.run.err.find("broken.onnx"), std::string::npos) << r.run.err;
    // The first model was quantized, but a cascade's results are written whole or not at all.
    EXPECT_TRUE(pot::test::empty_or_missing(work.path() / "out")) << r.run.err;
}

}  // namespace
