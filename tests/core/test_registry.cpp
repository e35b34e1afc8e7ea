#include <filesystem>

#include <gtest/gtest.h>

#include "pot/abi.h"

#include "pot/core/pipeline.hpp"
#include "pot/core/registry.hpp"

namespace {

namespace fs = std::filesystem;
using pot::core::Registry;

fs::path fixture(const std::string& name) { return fs::path(POT_FIXTURE_PLUGIN_DIR) / name; }

fs::path plugin_file(const std::string& dir) {
    for (const auto& e : fs::directory_iterator(fixture(dir))) return e.path();
    throw std::runtime_error("no fixture plugin in " + dir);
}

// A folder holding copies of the named fixture plugins.
fs::path folder_with(const std::vector<std::string>& dirs) {
    const fs::path dir = fs::temp_directory_path() / ("pot_registry_" + std::to_string(::getpid()) + "_" +
                                                      testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& d : dirs) fs::copy_file(plugin_file(d), dir / ("lib" + d + ".so"));
    return dir;
}

// Host services for algorithms that use none of them.
class NoHost final : public pot::HostServices {
public:
    pot::Engine& engine() override { throw std::logic_error("no engine"); }
    const pot::DataLoader& data() override { throw std::logic_error("no data"); }
    pot::Statistics collect(const pot::Graph&, const std::vector<pot::StatisticRequest>&, size_t) override {
        throw std::logic_error("no statistics");
    }
    std::string target_device() const override { return "ANY"; }
    void log(pot::LogLevel, const std::string&) override {}
    void report(const std::string&, const std::string&, const std::string&) override {}
    const pot::Graph& float_model() override { throw std::logic_error("no model"); }
    const pot::DataLoader& evaluation_data() override { throw std::logic_error("no data"); }
    pot::EvaluationResult evaluate(const pot::Graph&, const std::vector<size_t>&) override {
        throw std::logic_error("no evaluation");
    }
    pot::BenchmarkResult latency(const pot::Graph&, const pot::BenchmarkOptions&) override {
        throw std::logic_error("no engine");
    }
};

std::string load_error(const std::string& dir) {
    Registry registry;
    try {
        registry.load_file(plugin_file(dir));
    } catch (const pot::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << dir << " loaded although it is defective";
    return "";
}

TEST(Registry, LoadsAGoodPluginAndReportsItsMetadata) {
    Registry registry;
    registry.load_file(plugin_file("good"));
    ASSERT_TRUE(registry.has(POT_KIND_ALGORITHM, "FixtureGood"));
    const auto entries = registry.entries();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].version, "1.2.3");
    EXPECT_EQ(entries[0].plugin_name, "fixture-FixtureGood");
    EXPECT_EQ(entries[0].description, "fixture algorithm");
}

TEST(Registry, RejectsALibraryWithoutTheEntryPoint) {
    EXPECT_NE(load_error("not_a_plugin").find("not a pot plugin"), std::string::npos);
}

TEST(Registry, RejectsAnotherAbiMajorNamingBothVersions) {
    const auto message = load_error("abi_major");
    EXPECT_NE(message.find("speaks plugin ABI " + std::to_string(POT_ABI_MAJOR + 1) + ".x"), std::string::npos) << message;
    EXPECT_NE(message.find("pot-host speaks " + std::to_string(POT_ABI_MAJOR) + ".x"), std::string::npos) << message;
}

TEST(Registry, RejectsANewerAbiMinor) {
    EXPECT_NE(load_error("abi_minor").find("update pot-host"), std::string::npos);
}

TEST(Registry, RejectsAnotherToolchain) {
    EXPECT_NE(load_error("toolchain").find("libc++-someother"), std::string::npos);
}

TEST(Registry, RejectsATruncatedRecord) {
    EXPECT_NE(load_error("small_record").find("bytes, expected at least"), std::string::npos);
}

TEST(Registry, SkipsBadFilesAndDuplicatesButLoadsTheRest) {
    const auto dir = folder_with({"good", "twin", "duplicate", "abi_major", "not_a_plugin"});
    Registry registry;
    const auto skipped = registry.load_directory(dir);
    EXPECT_TRUE(registry.has(POT_KIND_ALGORITHM, "FixtureGood"));
    EXPECT_TRUE(registry.has(POT_KIND_ALGORITHM, "FixtureTwin"));
    ASSERT_EQ(skipped.size(), 3u);
    bool duplicate_reported = false;
    for (const auto& s : skipped)
        duplicate_reported = duplicate_reported || s.reason.find("is already provided by") != std::string::npos;
    EXPECT_TRUE(duplicate_reported);
    fs::remove_all(dir);
}

TEST(Registry, UnknownNameSuggestsTheNearestOne) {
    Registry registry;
    registry.load_file(plugin_file("good"));
    try {
        registry.create_algorithm("FixtureGod", "{}", "/compression/algorithms/0");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/compression/algorithms/0"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("did you mean 'FixtureGood'"), std::string::npos);
    }
}

TEST(Registry, BadParametersAreConfigErrorsWithTheirPath) {
    Registry registry;
    registry.load_file(plugin_file("good"));
    try {
        registry.create_algorithm("FixtureGood", R"({"tga": "x"})", "/compression/algorithms/3");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/compression/algorithms/3/params/tga"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("did you mean 'tag'"), std::string::npos) << e.what();
    }
}

TEST(Registry, PotAlgorithmsWithoutAPluginAreNamedAsSuchNotAsMisspellings) {
    Registry registry;
    registry.load_file(plugin_file("good"));
    try {
        registry.create_algorithm("WeightBiasCorrection", "{}", "/compression/algorithms/1");
        FAIL();
    } catch (const pot::Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("/compression/algorithms/1: 'WeightBiasCorrection' is an OpenVINO POT algorithm"),
                  std::string::npos) << m;
        EXPECT_EQ(m.find("did you mean"), std::string::npos) << m;
        EXPECT_NE(m.find("FixtureGood"), std::string::npos) << m;
    }
}

TEST(Registry, AnAlgorithmOnlyAPotExampleConfigNamesIsSaidToBeUnknownToPotToo) {
    Registry registry;
    registry.load_file(plugin_file("good"));
    try {
        registry.create_algorithm("QuantileTuningAlgorithm", "{}", "/compression/algorithms/0");
        FAIL();
    } catch (const pot::Error& e) {
        const std::string m = e.what();
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(m.find("registers no such algorithm (POT rejects the config too)"), std::string::npos) << m;
        EXPECT_NE(m.find("FixtureGood"), std::string::npos) << m;
    }
}

TEST(Pipeline, EveryBadAlgorithmEntryIsNamedInOneError) {
    Registry registry;
    registry.load_file(plugin_file("good"));
    const std::vector<pot::core::AlgorithmConfig> entries{
        {"FixtureGood", R"({"tga": "x"})", "/compression/algorithms/0"},
        {"FixtureGood", "{}", "/compression/algorithms/1"},
        {"FixtureGod", "{}", "/compression/algorithms/2"}};
    try {
        pot::core::Pipeline pipeline(registry, entries);
        FAIL();
    } catch (const pot::Error& e) {
        const std::string m = e.what();
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(m.find("2 problems"), std::string::npos) << m;
        EXPECT_NE(m.find("/compression/algorithms/0/params/tga"), std::string::npos) << m;
        EXPECT_NE(m.find("/compression/algorithms/2: unknown algorithm 'FixtureGod'"), std::string::npos) << m;
    }
}

TEST(Registry, AThrowingConstructorBecomesAnErrorNamingThePlugin) {
    Registry registry;
    registry.load_file(plugin_file("throws"));
    try {
        registry.create_algorithm("Broken", "{}", "/compression/algorithms/0");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Runtime);
        EXPECT_NE(std::string(e.what()).find("constructor exploded"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("libpot_fixture_throws.so"), std::string::npos) << e.what();
    }
}

TEST(Registry, ObjectsOutliveTheRegistryThatMadeThem) {
    pot::core::PluginPtr<pot::Algorithm> algorithm;
    {
        Registry registry;
        registry.load_file(plugin_file("good"));
        algorithm = registry.create_algorithm("FixtureGood", R"({"tag": "-kept"})", "/x");
    }
    // The registry is gone; the library must still be mapped for the vtable and the strings.
    EXPECT_EQ(algorithm->name(), "FixtureGood-kept");
    pot::Graph graph;
    NoHost host;
    algorithm->apply(graph, pot::Statistics{}, host);
    EXPECT_EQ(graph.name, "FixtureGood-kept");
    algorithm.reset();
}

TEST(Registry, MissingFolderIsAUsageError) {
    Registry registry;
    try {
        registry.load_directory("/nonexistent/plugins");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("/nonexistent/plugins"), std::string::npos);
    }
}

}  // namespace
