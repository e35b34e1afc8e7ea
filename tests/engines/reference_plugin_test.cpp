#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>

#include <pot/abi.h>
#include <pot/engine.hpp>

#include <cstring>
#include <string>

#include "op_tester.hpp"

namespace pot::test {
namespace {

// The built plugin, loaded the way a host loads it: through its exported entry point only.
class ReferencePlugin : public ::testing::Test {
protected:
    void SetUp() override {
        library_.load(std::string(POT_PLUGIN_DIR) + "/libpot_reference_engine.so");
        info_ = library_.get_alias<const PotPluginInfo*()>("pot_plugin_info")();
    }
    boost::dll::shared_library library_;
    const PotPluginInfo* info_ = nullptr;
};

TEST_F(ReferencePlugin, ListsOneEngineFactoryNamedReference) {
    ASSERT_NE(info_, nullptr);
    EXPECT_EQ(info_->abi_major, POT_ABI_MAJOR);
    EXPECT_STREQ(info_->plugin_name, "pot-reference-engine");
    ASSERT_EQ(info_->factory_count, 1u);
    EXPECT_EQ(info_->factories[0].kind, static_cast<uint32_t>(POT_KIND_ENGINE));
    EXPECT_STREQ(info_->factories[0].name, "reference");
}

TEST_F(ReferencePlugin, CreatedEngineRunsAModel) {
    char error[256] = {};
    const PotFactory& factory = info_->factories[0];
    uint32_t kind = 99;
    void* object = factory.create(R"({"threads": 1})", error, sizeof(error), &kind);
    ASSERT_NE(object, nullptr) << error;
    auto* engine = static_cast<Engine*>(object);
    EXPECT_EQ(engine->name(), "reference");
    EXPECT_EQ(kind, 99u) << "success leaves the error kind alone";
    auto model = engine->compile(GraphBuilder().input("x", {2}).node("Relu", {"x"}, {"y"}).output("y").build());
    POT_EXPECT_FLOATS(model->infer({floats({2}, {-1, 2})}, {}, nullptr).at(0), Shape({2}),
                      std::vector<float>({0, 2}), 0.0f);
    model.reset();  // before the engine that made it
    factory.destroy(object);
}

TEST_F(ReferencePlugin, UnknownParameterIsAConfigError) {
    char error[256] = {};
    uint32_t kind = POT_ERROR_RUNTIME;
    void* object = info_->factories[0].create(R"({"treads": 1})", error, sizeof(error), &kind);
    EXPECT_EQ(object, nullptr);
    EXPECT_EQ(kind, static_cast<uint32_t>(POT_ERROR_CONFIG)) << error;
    EXPECT_NE(std::string(error).find("treads"), std::string::npos) << error;
}

}  // namespace
}  // namespace pot::test
