#include <functional>

#include <gtest/gtest.h>

#include "config_error.hpp"
#include "pot/core/config.hpp"
#include "pot/error.hpp"

namespace {

using pot::core::parse_config;

const char* kValid = R"({
  // comments are allowed
  "model": {"model_name": "net", "model": "models/net.onnx"},
  "engine": {"type": "simplified", "data_source": "data", "annotation": "labels.txt",
             "preprocessing": {"resize": [32, 32], "mean": [127.5], "scale": [255], "layout": "NCHW"}},
  "compression": {"target_device": "CPU",
                  "algorithms": [{"name": "MinMaxQuantization", "params": {"preset": "mixed"}}]}
})";

using pot::test::config_error;

std::string with(const std::string& from, const std::string& to) {
    std::string s = kValid;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(Config, ReadsPotSchemaAndResolvesPathsAgainstTheConfigFolder) {
    const auto c = parse_config(kValid, "/base", "cfg.json");
    EXPECT_EQ(c.model.name, "net");
    EXPECT_EQ(c.model.model, "/base/models/net.onnx");
    EXPECT_EQ(c.engine.data_source, "/base/data");
    EXPECT_EQ(*c.engine.annotation, "/base/labels.txt");
    EXPECT_EQ(c.engine.preprocessing.resize->first, 32);
    EXPECT_EQ(c.engine.preprocessing.scale, std::vector<float>{255});
    EXPECT_EQ(c.compression.target_device, "CPU");
    ASSERT_EQ(c.compression.algorithms.size(), 1u);
    EXPECT_EQ(c.compression.algorithms[0].path, "/compression/algorithms/0");
    EXPECT_NE(c.compression.algorithms[0].params_json.find("mixed"), std::string::npos);
}

TEST(Config, InvalidJsonNamesTheFile) {
    EXPECT_NE(config_error("{\"model\": ").find("cfg.json: invalid JSON"), std::string::npos);
}

TEST(Config, UnknownKeyNamesThePathAndTheNearestKey) {
    const auto m = config_error(with("\"annotation\"", "\"anotation\""));
    EXPECT_NE(m.find("/engine/anotation"), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean 'annotation'"), std::string::npos) << m;
}

TEST(Config, UnknownTopLevelSection) {
    const auto m = config_error(with("\"model\": {", "\"modle\": {}, \"model\": {"));
    EXPECT_NE(m.find("/modle"), std::string::npos) << m;
}

TEST(Config, MissingSectionIsNamed) {
    EXPECT_NE(config_error(R"({"model": {"model_name": "a", "model": "a.onnx"}, "compression": {}})")
                  .find("/engine"),
              std::string::npos);
}

TEST(Config, WrongTypeIsNamed) {
    const auto m = config_error(with("\"resize\": [32, 32]", "\"resize\": \"big\""));
    EXPECT_NE(m.find("/engine/preprocessing/resize"), std::string::npos) << m;
}

TEST(Config, UnknownTargetDeviceListsTheValidOnes) {
    const auto m = config_error(with("\"CPU\"", "\"CPX\""));
    EXPECT_NE(m.find("/compression/target_device"), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean 'CPU'"), std::string::npos) << m;
}

TEST(Config, EmptyAlgorithmListIsAnError) {
    const auto m = config_error(with(R"([{"name": "MinMaxQuantization", "params": {"preset": "mixed"}}])", "[]"));
    EXPECT_NE(m.find("/compression/algorithms"), std::string::npos) << m;
}

TEST(Config, AlgorithmWithoutNameIsNamedByIndex) {
    const auto m = config_error(with(R"("name": "MinMaxQuantization", )", ""));
    EXPECT_NE(m.find("/compression/algorithms/0/name"), std::string::npos) << m;
}

TEST(Config, ZeroScaleIsRejected) {
    EXPECT_NE(config_error(with("\"scale\": [255]", "\"scale\": [0]")).find("/engine/preprocessing/scale"),
              std::string::npos);
}

TEST(Config, MissingFileIsAConfigError) {
    try {
        pot::core::load_config("/nonexistent/config.json");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/nonexistent/config.json"), std::string::npos);
    }
}

TEST(Config, HugeResizeOrCropIsRefusedBeforeAnyImageIsRead) {
    for (const char* size : {"100000", "[16384, 16384]", "[1, 100000]", "4294967297"}) {
        const auto m = config_error(with("\"resize\": [32, 32]", std::string("\"resize\": ") + size));
        EXPECT_NE(m.find("/engine/preprocessing/resize"), std::string::npos) << m;
    }
    const auto m = config_error(with("\"resize\": [32, 32]", "\"crop\": [100000, 8]"));
    EXPECT_NE(m.find("/engine/preprocessing/crop"), std::string::npos) << m;
    EXPECT_NE(m.find("16384"), std::string::npos) << m;
}

TEST(Config, ThreadCountIsBounded) {
    const auto m = config_error(with("\"type\": \"simplified\",", "\"type\": \"simplified\", \"threads\": 100000,"));
    EXPECT_NE(m.find("/engine/threads"), std::string::npos) << m;
    EXPECT_NE(m.find("100000"), std::string::npos) << m;
}

// POT's optimizer section: the tuning keys go to core, the rest to the optimizer plugin.
std::string with_optimizer(const std::string& optimizer) {
    std::string s = kValid;
    return s.insert(s.rfind('}'), ",\n  \"optimizer\": " + optimizer + "\n");
}

TEST(Config, ReadsPotsOptimizerParametersAndPassesTheRestToThePlugin) {
    const auto c = parse_config(with_optimizer(R"({"name": "Tpe", "params": {
        "max_trials": 200, "max_minutes": 1440, "trials_load_method": "warm_start", "accuracy_loss": 0.1,
        "latency_reduce": 1.5, "accuracy_weight": 1.0, "latency_weight": 2.0, "stop_on_target": true,
        "eval_subset_size": 2000, "metrics": [{"name": "accuracy", "baseline_value": 0.72}],
        "benchmark": {"performance_count": false, "batch_size": 0, "nthreads": 8, "nstreams": 1, "nireq": 1,
                      "api_type": "async", "niter": 4, "duration_seconds": 30, "benchmark_app_dir": "x"},
        "seed": 3, "gamma": 0.3}})"), "/base", "cfg.json");
    ASSERT_TRUE(c.optimizer.has_value());
    const auto& t = c.optimizer->tuning;
    EXPECT_EQ(c.optimizer->name, "Tpe");
    EXPECT_EQ(t.max_trials, 200);
    EXPECT_DOUBLE_EQ(t.max_minutes, 1440);
    EXPECT_EQ(t.load_method, pot::core::TrialsLoadMethod::WarmStart);
    EXPECT_DOUBLE_EQ(t.targets.accuracy_loss, 0.1);
    EXPECT_DOUBLE_EQ(t.targets.latency_reduce, 1.5);
    EXPECT_DOUBLE_EQ(t.targets.latency_weight, 2.0);
    EXPECT_TRUE(t.stop_on_target);
    EXPECT_EQ(t.eval_subset_size, 2000u);
    EXPECT_DOUBLE_EQ(*t.baseline_value, 0.72);
    ASSERT_TRUE(t.benchmark.has_value());
    EXPECT_EQ(t.benchmark->batch, 1) << "batch_size 0 means the model's own";
    EXPECT_EQ(t.benchmark->iterations, 20) << "niter raised to the smallest count worth timing";
    EXPECT_EQ(nlohmann::json::parse(c.optimizer->params_json), nlohmann::json::parse(R"({"seed": 3, "gamma": 0.3})"));
}

TEST(Config, OptimizerDefaultsFollowPot) {
    const auto c = parse_config(with_optimizer(R"({"name": "TPE"})"), "/base", "cfg.json");
    const auto& t = c.optimizer->tuning;
    EXPECT_EQ(t.max_trials, 100);
    EXPECT_EQ(t.load_method, pot::core::TrialsLoadMethod::ColdStart);
    EXPECT_DOUBLE_EQ(t.targets.accuracy_loss, 1.0);
    EXPECT_EQ(t.eval_subset_size, 0u) << "every evaluation sample";
    EXPECT_TRUE(t.benchmark.has_value()) << "latency_weight 1 by default: latency is measured";
    EXPECT_EQ(c.optimizer->params_json, "{}");
    // Without a latency weight or target, nothing is timed.
    const auto quiet = parse_config(with_optimizer(R"({"name": "TPE", "params": {"latency_weight": 0}})"), "/base",
                                    "cfg.json");
    EXPECT_FALSE(quiet.optimizer->tuning.benchmark.has_value());
}

TEST(Config, OptimizerMistakesNameTheirPath) {
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "params": {"trials_load_method": "hot"}})"))
                  .find("/optimizer/params/trials_load_method: unknown value 'hot'"),
              std::string::npos);
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "params": {"max_trials": 0}})"))
                  .find("/optimizer/params/max_trials"),
              std::string::npos);
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "params": {"accuracy_loss": -1}})"))
                  .find("/optimizer/params/accuracy_loss"),
              std::string::npos);
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "params": {"benchmark": {"niters": 3}}})"))
                  .find("/optimizer/params/benchmark/niters"),
              std::string::npos);
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "trials": 3, "params": {"max_trials": 3}})"))
                  .find("given twice"),
              std::string::npos);
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "params": {"multinode": {}}})"))
                  .find("/optimizer/params/multinode"),
              std::string::npos);
    EXPECT_NE(config_error(with_optimizer(R"({"name": "TPE", "params": {"metrics": [{"name": "a", "baseline": 1}]}})"))
                  .find("/optimizer/params/metrics/0/baseline"),
              std::string::npos);
}

TEST(Config, TheEarlierOptimizerKeysStillWork) {
    const auto c = parse_config(with_optimizer(R"({"name": "TPE", "trials": 8, "eval_subset_size": 1000})"), "/base",
                                "cfg.json");
    EXPECT_EQ(c.optimizer->tuning.max_trials, 8);
    EXPECT_EQ(c.optimizer->tuning.eval_subset_size, 1000u);
}

}  // namespace
