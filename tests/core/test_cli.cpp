#include <gtest/gtest.h>

#include "cli.hpp"
#include "pot/error.hpp"

namespace {

using pot::app::Command;
using pot::app::parse_cli;

TEST(Cli, QuantizeTakesPotOptions) {
    const auto r = parse_cli({"-c", "cfg.json", "-e", "--output-dir", "out", "-d", "-sm", "--plugins", "p",
                              "--log-level", "DEBUG"});
    EXPECT_EQ(r.command, Command::Quantize);
    EXPECT_EQ(r.quantize.config, "cfg.json");
    EXPECT_TRUE(r.quantize.evaluate);
    EXPECT_TRUE(r.quantize.direct_dump);
    EXPECT_TRUE(r.quantize.save_model);
    EXPECT_EQ(r.quantize.output_dir, "out");
    EXPECT_EQ(r.quantize.plugins, std::vector<std::filesystem::path>{"p"});
}

TEST(Cli, DefaultsFollowPot) {
    const auto r = parse_cli({"--config", "cfg.json"});
    EXPECT_EQ(r.quantize.output_dir, "./results");
    EXPECT_FALSE(r.quantize.evaluate);
    EXPECT_FALSE(r.quantize.direct_dump);
}

TEST(Cli, MissingConfigIsAUsageError) {
    try {
        parse_cli({"-e"});
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Usage);
    }
}

TEST(Cli, UnknownOptionIsAUsageError) {
    EXPECT_THROW(parse_cli({"-c", "x", "--frobnicate"}), pot::Error);
}

TEST(Cli, BenchmarkSubcommand) {
    const auto r = parse_cli({"benchmark", "-m", "m.onnx", "--engine", "reference", "-b", "4", "--niter", "7",
                              "--nthreads", "2", "--json"});
    EXPECT_EQ(r.command, Command::Benchmark);
    EXPECT_EQ(r.benchmark.model, "m.onnx");
    EXPECT_EQ(r.benchmark.batch, 4);
    EXPECT_EQ(r.benchmark.iterations, 7);
    EXPECT_EQ(r.benchmark.threads, 2);
    EXPECT_TRUE(r.benchmark.json);
}

TEST(Cli, BenchmarkDefaultsToTenSeconds) {
    EXPECT_DOUBLE_EQ(parse_cli({"benchmark", "-m", "m.onnx"}).benchmark.seconds, 10.0);
    EXPECT_THROW(parse_cli({"benchmark", "-b", "0", "-m", "m.onnx"}), pot::Error);
}

TEST(Cli, ListPluginsAndVersion) {
    EXPECT_EQ(parse_cli({"--list-plugins"}).command, Command::ListPlugins);
    EXPECT_EQ(parse_cli({"--version"}).command, Command::Version);
    EXPECT_EQ(parse_cli({"-h"}).command, Command::Help);
}

}  // namespace
