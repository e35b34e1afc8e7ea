#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pot::app {

/// Options of the quantization command (POT's CLI).
struct QuantizeOptions {
    std::filesystem::path config;
    std::vector<std::filesystem::path> plugins;  ///< empty: the default plugin folder
    std::filesystem::path output_dir = "./results";
    bool evaluate = false;
    bool direct_dump = false;
    bool save_model = false;
    std::string log_level = "INFO";
};

/// Options of `pot-host benchmark`.
struct BenchmarkCommand {
    std::filesystem::path model;
    std::vector<std::filesystem::path> plugins;
    std::string engine;  ///< "" = cpu when loaded, else reference
    std::string engine_params = "{}";  ///< JSON object, as a config's "engine" section
    int64_t batch = 1;
    int64_t iterations = 0;
    double seconds = 0;
    int threads = 0;
    bool json = false;
    bool per_node = false;          ///< -pc: per-step times
    std::string shape;              ///< benchmark_app's -shape text, "" when not given
    std::vector<std::string> data;  ///< NAME=FILE.npy or FILE.npy
};

enum class Command { Quantize, Benchmark, ListPlugins, Version, Help };

struct CliRequest {
    Command command = Command::Help;
    QuantizeOptions quantize;
    BenchmarkCommand benchmark;
    std::vector<std::filesystem::path> plugins;  ///< for --list-plugins
    std::string help_text;
};

/// Parses argv; throws pot::Error(Usage) with a message saying what is wrong.
CliRequest parse_cli(const std::vector<std::string>& args);

}  // namespace pot::app
