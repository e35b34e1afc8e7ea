// Inputs built to exhaust the stack, the memory or the patience of pot-host: each one ends in a
// pot::Error naming the file, JSON path or sample, the exit code of its kind (1 for input, 2 for
// config or usage) and no output at all, within a time limit rather than never.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pot::test::RunResult;
using pot::test::TempDir;

const fs::path kExample = fs::path(POT_SOURCE_DIR) / "examples" / "fmnist";

// Longer than any of these runs takes on a loaded machine; a hang ends in SIGALRM.
constexpr unsigned kTimeLimitSeconds = 120;

RunResult run_pot_host_in_time(const std::vector<std::string>& args) {
    return pot::test::run_pot_host(args, kTimeLimitSeconds);
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A .npy file of format 2.0 with `header` as its header dict, followed by `data`.
std::string npy_v2(const std::string& header, const std::string& data) {
    std::string bytes("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return bytes + header + data;
}

void write_be32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

class BadInputBounds : public testing::Test {
protected:
    TempDir dir_;
    fs::path out_ = dir_.path() / "results";

    RunResult run_config(const json& config) { return run_text(config.dump(2)); }
    RunResult run_text(const std::string& text) {
        const auto file = dir_.path() / "config.json";
        pot::test::write_file(file, text);
        return run_config_file(file);
    }
    RunResult run_config_file(const fs::path& file) {
        return run_pot_host_in_time(
            {"--plugins", POT_PLUGIN_DIR, "-c", file.string(), "--output-dir", out_.string()});
    }
    // Exit code, a message containing every one of `parts`, and no output folder.
    void expect_failure(const RunResult& r, int code, const std::vector<std::string>& parts) {
        EXPECT_EQ(r.exit_code, code) << r.err;
        for (const auto& p : parts)
            EXPECT_NE(r.err.find(p), std::string::npos) << "missing '" << p << "' in: " << r.err.substr(0, 2000);
        EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err.substr(0, 2000);
        EXPECT_TRUE(pot::test::empty_or_missing(out_)) << "partial output left in " << out_;
    }
    fs::path fifo(const std::string& name) {
        const auto path = dir_.path() / name;
        EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
        return path;
    }
    // A data folder holding `name` with `bytes` beside two good calibration images.
    fs::path data_folder_with(const std::string& name, const std::string& bytes) {
        const auto folder = dir_.path() / "data";
        fs::create_directories(folder);
        for (const char* good : {"000.png", "001.png"})
            fs::copy_file(kExample / "data" / "calibration" / good, folder / good);
        pot::test::write_file(folder / name, bytes);
        return folder;
    }
};

TEST_F(BadInputBounds, NpyWithAHeaderOverTheLimitNamesTheFile) {
    // Spaces inside the shape made std::regex recurse once a character until the stack overflowed.
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 28, 28" +
                               std::string(100000, ' ') + "), }\n";
    const auto folder = dir_.path() / "npy";
    fs::create_directories(folder);
    pot::test::write_file(folder / "long.npy", npy_v2(header, std::string(28 * 28 * 4, '\0')));
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = folder.string();
    expect_failure(run_config(c), 1, {"long.npy", "header"});
}

TEST_F(BadInputBounds, NpyDeclaringGigabytesInAFewBytesNamesTheFile) {
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 65536, 32768), }\n";
    const auto folder = dir_.path() / "npy";
    fs::create_directories(folder);
    pot::test::write_file(folder / "huge.npy", npy_v2(header, std::string(16, '\0')));
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = folder.string();
    expect_failure(run_config(c), 1, {"huge.npy", "truncated"});
}

TEST_F(BadInputBounds, IdxHeaderWhoseSizeOverflowsNamesTheFile) {
    // 2^16 images of 2^24 x 2^24 pixels: 2^64 bytes, which wrapped to 0 and passed the size check.
    std::string idx;
    for (uint32_t v : {2051u, 1u << 16, 1u << 24, 1u << 24}) write_be32(idx, v);
    const auto file = dir_.path() / "train-images-idx3-ubyte";
    pot::test::write_file(file, idx + std::string(64, '\0'));
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = file.string();
    expect_failure(run_config(c), 1, {"train-images-idx3-ubyte", "16777216x16777216"});
}

TEST_F(BadInputBounds, SymbolicLinkLoopInTheDataFolderIsNamed) {
    const auto folder = data_folder_with("003.png", "");
    fs::remove(folder / "003.png");
    fs::create_symlink(folder / "003.png", folder / "003.png");
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = folder.string();
    expect_failure(run_config(c), 1, {"data folder", (folder / "003.png").string()});
}

TEST_F(BadInputBounds, ImageDeclaringAHugeSizeIsNamed) {
    // A PNG header declaring 100000 x 100000 pixels (30 GB decoded) and nothing else.
    const std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\x01\x86\xa0\0\x01\x86\xa0\x08\x02\0\0\0", 29);
    const auto folder = data_folder_with("002.png", png + std::string(16, '\0'));
    auto c = pot::test::minimal_config();
    c["engine"]["data_source"] = folder.string();
    expect_failure(run_config(c), 1, {"002.png", "100000x100000"});
}

TEST_F(BadInputBounds, HugeResizeIsAConfigError) {
    auto c = pot::test::minimal_config();
    c["engine"]["preprocessing"]["resize"] = {1000000, 1000000};
    expect_failure(run_config(c), 2, {"/engine/preprocessing/resize", "16384"});
}

TEST_F(BadInputBounds, ConfigThatIsAFifoIsAConfigError) {
    const auto config = fifo("config.json");
    expect_failure(run_config_file(config), 2, {config.string(), "FIFO"});
}

TEST_F(BadInputBounds, ConfigThatIsADeviceIsAConfigError) {
    expect_failure(run_config_file("/dev/zero"), 2, {"/dev/zero", "not a regular file"});
}

TEST_F(BadInputBounds, ModelThatIsAFifoNamesTheFile) {
    auto c = pot::test::minimal_config();
    c["model"]["model"] = fifo("model.onnx").string();
    expect_failure(run_config(c), 1, {"model.onnx", "FIFO"});
}

TEST_F(BadInputBounds, AnnotationThatIsAFifoNamesTheFile) {
    auto c = pot::test::minimal_config();
    c["engine"]["annotation"] = fifo("labels.txt").string();
    expect_failure(run_config(c), 1, {"labels.txt", "FIFO"});
}

TEST_F(BadInputBounds, HardwareConfigThatIsAFifoIsAConfigError) {
    auto c = pot::test::minimal_config();
    c["compression"]["algorithms"][0]["params"]["hardware_config"] = fifo("hw.json").string();
    expect_failure(run_config(c), 2, {"hw.json", "FIFO"});
}

TEST_F(BadInputBounds, StatisticsCacheThatIsAFifoNamesTheFile) {
    auto c = pot::test::minimal_config();
    c["compression"]["statistics_cache"] = fifo("stats.json").string();
    expect_failure(run_config(c), 1, {"stats.json", "FIFO"});
}

TEST_F(BadInputBounds, DeeplyNestedConfigNamesTheJsonPath) {
    auto text = pot::test::minimal_config().dump();
    text.insert(text.size() - 1, R"(, "deep": )" + nested_arrays(200000));
    expect_failure(run_text(text), 2, {"config.json", "deeper than 64", "/deep/0/0/0"});
}

TEST_F(BadInputBounds, DeeplyNestedHardwareConfigNamesTheJsonPath) {
    const auto hw = dir_.path() / "hw.json";
    pot::test::write_file(hw, R"({"operations": )" + nested_arrays(200000) + "}");
    auto c = pot::test::minimal_config();
    c["compression"]["algorithms"][0]["params"]["hardware_config"] = hw.string();
    expect_failure(run_config(c), 2, {"hw.json", "deeper than 64", "/operations/0/0"});
}

TEST_F(BadInputBounds, DeeplyNestedStatisticsCacheNamesTheFile) {
    const auto cache = dir_.path() / "stats.json";
    pot::test::write_file(cache, R"({"version": 1, "entries": )" + nested_arrays(200000) + "}");
    auto c = pot::test::minimal_config();
    c["compression"]["statistics_cache"] = cache.string();
    expect_failure(run_config(c), 1, {"stats.json", "deeper than 64", "/entries/0"});
}

TEST_F(BadInputBounds, OverlongScopeRegexNamesItsPath) {
    auto c = pot::test::minimal_config();
    c["compression"]["algorithms"][0]["params"]["ignored"] = {{"scope_regex", {std::string(100000, '(')}}};
    expect_failure(run_config(c), 2, {"/compression/algorithms/0/params/ignored/scope_regex", "1000"});
}

TEST_F(BadInputBounds, HugeEngineThreadCountIsAConfigError) {
    auto c = pot::test::minimal_config();
    c["engine"]["threads"] = 100000;
    expect_failure(run_config(c), 2, {"/engine/threads", "100000"});
}

TEST_F(BadInputBounds, HugeBenchmarkThreadCountIsAUsageError) {
    const auto r = run_pot_host_in_time({"benchmark", "--plugins", POT_PLUGIN_DIR, "-m",
                                         (kExample / "fmnist_cnn.onnx").string(), "--engine", "cpu",
                                         "--niter", "1", "--nthreads", "100000"});
    expect_failure(r, 2, {"--nthreads", "100000"});
}

TEST_F(BadInputBounds, HugeBenchmarkBatchIsAUsageError) {
    const auto r = run_pot_host_in_time({"benchmark", "--plugins", POT_PLUGIN_DIR, "-m",
                                         (kExample / "fmnist_cnn.onnx").string(), "--engine", "reference",
                                         "--niter", "1", "-b", "1000000000"});
    expect_failure(r, 2, {"--batch", "1000000000"});
}

}  // namespace
