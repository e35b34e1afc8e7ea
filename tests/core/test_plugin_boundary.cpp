// The plugin-call boundary: whatever a plugin call throws comes out as an exception the host made,
// naming the object, the call and the plugin's file; out of memory stays out of memory.
#include <filesystem>
#include <new>

#include <gtest/gtest.h>

#include "errors.hpp"
#include "graph_builder.hpp"
#include "pot/core/plugin_boundary.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/registry.hpp"
#include "pot/error.hpp"

namespace pot::test {
namespace {

// The project's plugins, as pot-host loads them.
core::Registry built_plugins() {
    core::Registry registry;
    registry.load_directory(POT_PLUGIN_DIR);
    return registry;
}

TEST(PluginBoundary, NamesTheObjectAndTheCall) {
    const core::PluginOrigin origin{"algorithm X", nullptr};
    const auto m = error_message([&] {
        core::call_plugin(origin, "apply", [] { throw std::runtime_error("broke"); });
    });
    EXPECT_EQ(m.rfind("algorithm X apply: broke", 0), 0u) << m;
}

TEST(PluginBoundary, KeepsTheErrorKind) {
    const core::PluginOrigin origin{"engine 'e'", nullptr};
    try {
        core::call_plugin(origin, "compile", [] { throw Error(ErrorKind::Input, "bad model"); });
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Input);
        EXPECT_STREQ(e.what(), "engine 'e' compile: bad model");
    }
}

TEST(PluginBoundary, OutOfMemoryStaysOutOfMemory) {
    const core::PluginOrigin origin{"engine 'e'", nullptr};
    EXPECT_THROW(core::call_plugin(origin, "infer", [] { throw std::bad_alloc(); }), std::bad_alloc);
}

TEST(PluginBoundary, AnythingElseBecomesARuntimeError) {
    const core::PluginOrigin origin{"optimizer 'o'", nullptr};
    try {
        core::call_plugin(origin, "ask", [] { throw 42; });
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Runtime);
        EXPECT_NE(std::string(e.what()).find("optimizer 'o' ask"), std::string::npos) << e.what();
    }
}

TEST(PluginBoundary, EngineErrorsNameThePluginFile) {
    const auto registry = built_plugins();
    auto engine = core::create_engine(registry, "reference", "{}", 0, "/engine/backend");
    GraphBuilder g;
    g.output(g.node("NoSuchOp", {g.input("x", {1, 2})}));
    const auto m = error_message([&] { engine->compile(g.graph()); });
    EXPECT_NE(m.find("engine 'reference' compile: "), std::string::npos) << m;
    EXPECT_NE(m.find("NoSuchOp"), std::string::npos) << m;
    EXPECT_NE(m.find("libpot_reference_engine.so"), std::string::npos) << m;
}

TEST(PluginBoundary, CompiledModelErrorsNameThePluginFile) {
    const auto registry = built_plugins();
    auto engine = core::create_engine(registry, "reference", "{}", 1, "/engine/backend");
    GraphBuilder g;
    g.output(g.node("Relu", {g.input("x", {1, 2})}));
    auto model = engine->compile(g.graph());
    const auto m = error_message([&] { model->infer({Tensor(DType::F32, {1, 3})}); });
    EXPECT_NE(m.find("engine 'reference' infer: "), std::string::npos) << m;
    EXPECT_NE(m.find("libpot_reference_engine.so"), std::string::npos) << m;
}

TEST(PluginBoundary, ThreadsGivenTwiceMustAgree) {
    const auto registry = built_plugins();
    EXPECT_NO_THROW(core::create_engine(registry, "reference", R"({"threads": 1})", 1, "/engine"));
    try {
        core::create_engine(registry, "reference", R"({"threads": 2})", 1, "/engine");
        FAIL() << "two thread counts were accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("given twice"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace pot::test
