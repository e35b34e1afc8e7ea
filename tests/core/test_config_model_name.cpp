// model_name becomes a file and folder name inside --output-dir.
#include <gtest/gtest.h>

#include "pot/core/config.hpp"
#include "pot/error.hpp"

namespace {

std::string config_with_name(const std::string& name_json) {
    return R"({"model": {"model_name": )" + name_json + R"(, "model": "net.onnx"},
               "engine": {"data_source": "data"},
               "compression": {"algorithms": [{"name": "MinMaxQuantization"}]}})";
}

struct NameCase {
    const char* label;
    std::string name_json;
};

void PrintTo(const NameCase& c, std::ostream* os) { *os << c.name_json; }

class ModelName : public testing::TestWithParam<NameCase> {};

TEST_P(ModelName, IsRefusedAsAConfigErrorNamingItsPath) {
    try {
        pot::core::parse_config(config_with_name(GetParam().name_json), "/base", "cfg.json");
        FAIL() << "accepted model_name " << GetParam().name_json;
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/model/model_name"), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Config, ModelName,
    testing::Values(NameCase{"Slash", R"("../../etc/x")"}, NameCase{"Absolute", R"("/tmp/x")"},
                    NameCase{"Backslash", R"("a\\b")"}, NameCase{"Dot", R"(".")"},
                    NameCase{"DotDot", R"("..")"}, NameCase{"Hidden", R"(".pot-staging-1")"},
                    NameCase{"Nul", R"("a\u0000b")"}, NameCase{"Newline", R"("a\nb")"},
                    NameCase{"TooLong", "\"" + std::string(201, 'a') + "\""}),
    [](const testing::TestParamInfo<NameCase>& info) { return std::string(info.param.label); });

TEST(Config, PlainModelNameIsAccepted) {
    const auto c =
        pot::core::parse_config(config_with_name(R"("resnet-18_v1.5 int8")"), "/base", "cfg.json");
    EXPECT_EQ(c.model.name, "resnet-18_v1.5 int8");
}

}  // namespace
