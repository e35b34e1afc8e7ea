#include "process.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <csignal>
#include <cstdio>

#include <sys/wait.h>
#include <unistd.h>

namespace pot::test {

namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

RunResult run_pot_host(const std::vector<std::string>& args, unsigned time_limit_s) {
    TempDir io;
    const auto out_file = io.path() / "out.txt", err_file = io.path() / "err.txt";
    std::fflush(nullptr);  // or the child writes out what this process buffered, again
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (!freopen(out_file.c_str(), "w", stdout) || !freopen(err_file.c_str(), "w", stderr)) _exit(127);
        if (time_limit_s > 0) alarm(time_limit_s);  // survives exec
        std::vector<char*> argv;
        std::string host = POT_HOST;
        argv.push_back(host.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(host.c_str(), argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_all(out_file);
    r.err = read_all(err_file);
    return r;
}

BackgroundRun::BackgroundRun(const std::vector<std::string>& args, const fs::path& log_dir)
    : out_(log_dir / "out.txt"), err_(log_dir / "err.txt") {
    std::fflush(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        if (!freopen(out_.c_str(), "w", stdout) || !freopen(err_.c_str(), "w", stderr)) _exit(127);
        std::vector<std::string> copy = args;
        std::vector<char*> argv{const_cast<char*>(POT_HOST)};
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(POT_HOST, argv.data());
        _exit(127);
    }
}

BackgroundRun::~BackgroundRun() {
    if (pid_ > 0 && !waited_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

bool BackgroundRun::running() {
    if (waited_) return false;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) waited_ = true;
    return !waited_;
}

int BackgroundRun::wait() {
    if (!waited_) waitpid(pid_, &status_, 0);
    waited_ = true;
    return status_;
}

std::string BackgroundRun::out() const { return read_all(out_); }
std::string BackgroundRun::err() const { return read_all(err_); }

nlohmann::json read_json(const fs::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

nlohmann::json minimal_config() {
    const fs::path example = fs::path(POT_SOURCE_DIR) / "examples" / "fmnist";
    return {{"model", {{"model_name", "fmnist_cnn"}, {"model", (example / "fmnist_cnn.onnx").string()}}},
            {"engine",
             {{"backend", "reference"},
              {"data_source", (example / "data" / "calibration").string()},
              {"preprocessing", {{"scale", {255}}}}}},
            {"compression",
             {{"target_device", "CPU"},
              {"algorithms", {{{"name", "MinMaxQuantization"}, {"params", {{"stat_subset_size", 4}}}}}}}}};
}

QuantizeRun quantize_and_evaluate(const nlohmann::json& config, const fs::path& out_dir) {
    fs::path config_file = out_dir;
    config_file += ".json";
    write_file(config_file, config.dump(2));
    QuantizeRun r;
    r.run = run_pot_host({"--plugins", POT_PLUGIN_DIR, "-c", config_file.string(), "-e", "-d", "--output-dir",
                          out_dir.string()});
    std::ifstream report(out_dir / "report.json");
    if (report) report >> r.report;
    return r;
}

void write_file(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
}

bool empty_or_missing(const fs::path& dir) {
    std::error_code ec;
    return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

}  // namespace pot::test
