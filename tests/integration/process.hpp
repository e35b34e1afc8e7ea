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

/// pot-host started in the background with `args`, stdout and stderr going to files in
/// `log_dir`. The destructor kills a run still going.
class BackgroundRun {
public:
    BackgroundRun(const std::vector<std::string>& args, const std::filesystem::path& log_dir);
    ~BackgroundRun();
    BackgroundRun(const BackgroundRun&) = delete;
    BackgroundRun& operator=(const BackgroundRun&) = delete;

    int pid() const { return pid_; }
    /// False once the process has ended.
    bool running();
    /// Waits for the end; the wait status (WIFEXITED, WEXITSTATUS, WTERMSIG apply).
    int wait();
    std::string out() const;
    std::string err() const;

private:
    std::filesystem::path out_, err_;
    int pid_ = -1;
    int status_ = 0;
    bool waited_ = false;
};

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

/// The JSON document in `file` (a report.json).
nlohmann::json read_json(const std::filesystem::path& file);

/// True when `dir` does not exist or holds nothing.
bool empty_or_missing(const std::filesystem::path& dir);

}  // namespace pot::test
