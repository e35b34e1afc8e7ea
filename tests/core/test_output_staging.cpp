#include "pot/core/output_staging.hpp"

#include <csignal>
#include <fstream>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pot/error.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using pot::core::OutputStaging;
using Layout = OutputStaging::Layout;

constexpr const char* kStamp = "2024-05-01_13-45-07";

void write(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
}

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

// The pid of a process that has ended and been reaped.
pid_t dead_pid() {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
    return pid;
}

// Runs `body` in a child process; returns its wait status.
template <typename F>
int in_child(F&& body) {
    const pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

class OutputStagingTest : public testing::Test {
protected:
    pot::test::TempDir tmp_;
    fs::path out_ = tmp_.path() / "results";
};

TEST_F(OutputStagingTest, TimestampedCommitMovesTheStagingFolderIntoPlace) {
    OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
    EXPECT_EQ(staging.dir().parent_path(), out_ / "net");
    write(staging.dir() / "net.onnx", "model");
    const fs::path results = staging.commit();
    EXPECT_EQ(results, out_ / "net" / kStamp);
    EXPECT_EQ(read(results / "net.onnx"), "model");
    EXPECT_EQ(names_in(out_ / "net"), std::set<std::string>{kStamp});
}

TEST_F(OutputStagingTest, TwoRunsInTheSameSecondGetTwoFolders) {
    fs::path first;
    {
        OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
        write(staging.dir() / "net.onnx", "first");
        first = staging.commit();
    }
    OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
    write(staging.dir() / "net.onnx", "second");
    const fs::path second = staging.commit();
    EXPECT_EQ(second, out_ / "net" / (std::string(kStamp) + "_2"));
    EXPECT_EQ(read(first / "net.onnx"), "first");
    EXPECT_EQ(read(second / "net.onnx"), "second");
}

TEST_F(OutputStagingTest, ExistingEmptyResultsFolderIsNotReplaced) {
    // rename(2) would replace an empty folder: the name must count as taken.
    fs::create_directories(out_ / "net" / kStamp);
    OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
    write(staging.dir() / "net.onnx", "model");
    EXPECT_EQ(staging.commit(), out_ / "net" / (std::string(kStamp) + "_2"));
    EXPECT_TRUE(fs::is_empty(out_ / "net" / kStamp));
}

TEST_F(OutputStagingTest, FinishSeesTheFolderTheResultsLandIn) {
    OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
    fs::path seen;
    const fs::path results = staging.commit([&](const fs::path& dir) {
        seen = dir;
        write(staging.dir() / "report.json", dir.string());
    });
    EXPECT_EQ(seen, results);
    EXPECT_EQ(read(results / "report.json"), results.string());
}

TEST_F(OutputStagingTest, UncommittedRunRemovesEveryFolderItCreated) {
    {
        OutputStaging staging(out_ / "deeper", "net", Layout::Timestamped, kStamp);
        write(staging.dir() / "net.onnx", "model");
    }
    EXPECT_FALSE(fs::exists(out_));
}

TEST_F(OutputStagingTest, UncommittedRunKeepsAFolderThatExistedBefore) {
    fs::create_directories(out_);
    write(out_ / "mine.txt", "keep");
    {
        OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
        write(staging.dir() / "net.onnx", "model");
    }
    EXPECT_EQ(names_in(out_), std::set<std::string>{"mine.txt"});
}

TEST_F(OutputStagingTest, DirectCommitReplacesFilesOfTheSameNameAndKeepsOthers) {
    fs::create_directories(out_);
    write(out_ / "net.onnx", "old");
    write(out_ / "notes.txt", "mine");
    OutputStaging staging(out_, "net", Layout::Direct, kStamp);
    EXPECT_EQ(staging.dir().parent_path(), out_);
    write(staging.dir() / "net.onnx", "new");
    write(staging.dir() / "report.json", "{}");
    EXPECT_EQ(staging.commit(), out_);
    EXPECT_EQ(read(out_ / "net.onnx"), "new");
    EXPECT_EQ(names_in(out_), (std::set<std::string>{"net.onnx", "notes.txt", "report.json"}));
}

TEST_F(OutputStagingTest, DirectCommitWithAFolderInTheWayMovesNothing) {
    fs::create_directories(out_ / "net.onnx");
    write(out_ / "net.onnx" / "inside", "x");
    write(out_ / "report.json", "old report");
    OutputStaging staging(out_, "net", Layout::Direct, kStamp);
    write(staging.dir() / "report.json", "new report");
    write(staging.dir() / "net.onnx", "model");
    try {
        staging.commit();
        FAIL() << "expected the folder net.onnx to stop the commit";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("net.onnx"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read(out_ / "report.json"), "old report");
    EXPECT_TRUE(fs::is_directory(out_ / "net.onnx"));
}

TEST_F(OutputStagingTest, StaleStagingOfADeadProcessIsRemoved) {
    const fs::path stale = out_ / "net" / (".pot-staging-" + std::to_string(dead_pid()));
    fs::create_directories(stale);
    write(stale / "net.onnx", "partial");
    OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
    EXPECT_FALSE(fs::exists(stale));
    ASSERT_EQ(staging.removed_stale().size(), 1u);
    EXPECT_EQ(staging.removed_stale()[0], stale);
}

TEST_F(OutputStagingTest, StagingOfALiveProcessIsKept) {
    // The test's parent process (ctest or a shell) is alive while the test runs.
    const fs::path live = out_ / "net" / (".pot-staging-" + std::to_string(getppid()));
    fs::create_directories(live);
    OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
    EXPECT_TRUE(fs::exists(live));
    EXPECT_TRUE(staging.removed_stale().empty());
}

TEST_F(OutputStagingTest, UnwritableOutputPathIsNamed) {
    write(tmp_.path() / "a_file", "x");
    try {
        OutputStaging staging(tmp_.path() / "a_file" / "results", "net", Layout::Timestamped,
                              kStamp);
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("a_file"), std::string::npos) << e.what();
    }
}

class OutputStagingSignal : public OutputStagingTest, public testing::WithParamInterface<int> {};

TEST_P(OutputStagingSignal, RemovesTheStagingFolderAndEndsWithTheSignal) {
    const int signal_number = GetParam();
    const int status = in_child([&] {
        OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
        write(staging.dir() / "net.onnx", "partial");
        kill(getpid(), signal_number);
        _exit(0);  // not reached when the signal ends the process
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), signal_number);
    EXPECT_FALSE(fs::exists(out_)) << "left: " << out_;
}

INSTANTIATE_TEST_SUITE_P(Signals, OutputStagingSignal, testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const testing::TestParamInfo<int>& info) {
                             return std::string(info.param == SIGINT    ? "SIGINT"
                                                : info.param == SIGTERM ? "SIGTERM"
                                                                        : "SIGHUP");
                         });

TEST_F(OutputStagingTest, SignalDuringTheCommitWaitsForWholeResults) {
    const int status = in_child([&] {
        OutputStaging staging(out_, "net", Layout::Timestamped, kStamp);
        write(staging.dir() / "net.onnx", "model");
        staging.commit([&](const fs::path&) {
            kill(getpid(), SIGINT);
            write(staging.dir() / "report.json", "{}");
        });
        _exit(0);
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), SIGINT);
    EXPECT_EQ(names_in(out_ / "net"), std::set<std::string>{kStamp});
    EXPECT_EQ(names_in(out_ / "net" / kStamp), (std::set<std::string>{"net.onnx", "report.json"}));
}

TEST_F(OutputStagingTest, HandlersAreRestoredAfterwards) {
    struct sigaction before = {}, after = {};
    sigaction(SIGTERM, nullptr, &before);
    { OutputStaging staging(out_, "net", Layout::Timestamped, kStamp); }
    sigaction(SIGTERM, nullptr, &after);
    EXPECT_EQ(before.sa_handler, after.sa_handler);
}

}  // namespace
