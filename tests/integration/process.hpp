#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "temp_dir.hpp"

namespace pot::test {

/// What a finished pot-host run printed and returned.
struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs the built pot-host with `args` (no shell parsing) and waits for it. With a time limit
/// (seconds, 0 for none) a hung run is killed by SIGALRM and reported as 128 + SIGALRM instead of
/// blocking the suite.
RunResult run_pot_host(const std::vector<std::string>& args, unsigned time_limit_s = 0);

/// The smallest valid quantization config: the bundled CNN, the reference engine, MinMax on 4
/// calibration images. Bad-input tests break one part of it.
nlohmann::json minimal_config();

/// A pot-host quantization run with -e -d: what it printed and returned, and its report.json
/// (null when it wrote none).
struct QuantizeRun {
    RunResult run;
    nlohmann::json report;
};

/// Writes `config` to <out_dir>.json and runs pot-host on it with the build's plugins,
/// evaluating (-e) and writing straight into `out_dir` (-d).
QuantizeRun quantize_and_evaluate(const nlohmann::json& config, const std::filesystem::path& out_dir);

/// Writes `text` to `file`.
void write_file(const std::filesystem::path& file, const std::string& text);

/// True when `dir` does not exist or holds nothing.
bool empty_or_missing(const std::filesystem::path& dir);

}  // namespace pot::test
