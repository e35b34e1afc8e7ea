#include <functional>

#include <gtest/gtest.h>

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

std::string config_error(const std::string& text) {
    try {
        parse_config(text, "/base", "cfg.json");
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a config error for: " << text;
    return "";
}

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

}  // namespace
