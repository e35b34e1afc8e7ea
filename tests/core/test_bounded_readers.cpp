// Readers of untrusted files: every one refuses what is not a regular file, stays within its size
// bound, and refuses structures deep or large enough to exhaust the stack or memory, with a
// pot::Error naming the file.
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pot/core/config.hpp"
#include "pot/core/dataset.hpp"
#include "pot/core/npy.hpp"
#include "pot/core/statistics_cache.hpp"
#include "pot/engine.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using pot::Error;
using pot::ErrorKind;

void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

fs::path make_fifo(const fs::path& file) {
    EXPECT_EQ(::mkfifo(file.c_str(), 0600), 0) << file;
    return file;
}

// Runs `read`, which must throw a pot::Error of `kind` whose message holds every one of `parts`.
template <typename Read>
void expect_error(Read read, ErrorKind kind, const std::vector<std::string>& parts) {
    try {
        read();
        FAIL() << "expected a pot::Error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        for (const auto& p : parts)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "missing '" << p << "' in: " << e.what();
    }
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A .npy file of format 2.0 with `header` as its header dict, followed by `data`.
std::string npy_v2(const std::string& header, const std::string& data = "") {
    std::string bytes("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return bytes + header + data;
}

class BoundedReaders : public testing::Test {
protected:
    pot::test::TempDir dir_;
};

TEST_F(BoundedReaders, FileIsReadWhole) {
    write_bytes(dir_ / "a.txt", "hello");
    EXPECT_EQ(pot::read_file_bounded(dir_ / "a.txt", 5, "text file"), "hello");
}

TEST_F(BoundedReaders, SymbolicLinkToAFileIsFollowed) {
    write_bytes(dir_ / "a.txt", "hello");
    fs::create_symlink(dir_ / "a.txt", dir_ / "link.txt");
    EXPECT_EQ(pot::read_file_bounded(dir_ / "link.txt", 100, "text file"), "hello");
}

TEST_F(BoundedReaders, FifoIsRefusedWithoutBlocking) {
    const auto fifo = make_fifo(dir_ / "fifo.json");
    expect_error([&] { pot::read_file_bounded(fifo, 100, "config file", ErrorKind::Config); },
                 ErrorKind::Config, {"config file", fifo.string(), "not a regular file", "FIFO"});
}

TEST_F(BoundedReaders, DeviceIsRefused) {
    expect_error([&] { pot::read_file_bounded("/dev/zero", 100, "text file"); }, ErrorKind::Input,
                 {"/dev/zero", "character device"});
}

TEST_F(BoundedReaders, FolderIsRefused) {
    expect_error([&] { pot::read_file_bounded(dir_.path(), 100, "text file"); }, ErrorKind::Input,
                 {dir_.path().string(), "folder"});
}

TEST_F(BoundedReaders, FileOverTheLimitIsRefused) {
    write_bytes(dir_ / "big.txt", std::string(101, 'x'));
    expect_error([&] { pot::read_file_bounded(dir_ / "big.txt", 100, "text file"); }, ErrorKind::Input,
                 {"big.txt", "101 bytes", "100 bytes allowed"});
}

TEST_F(BoundedReaders, FileThatReportsNoSizeIsStillBounded) {
    // Files in /proc say they are empty and yet have content.
    EXPECT_FALSE(pot::read_file_bounded("/proc/self/status", 1 << 20, "text file").empty());
    expect_error([&] { pot::read_file_bounded("/proc/self/status", 10, "text file"); }, ErrorKind::Input,
                 {"/proc/self/status", "more than the 10 bytes allowed"});
}

TEST_F(BoundedReaders, MissingFileIsNamed) {
    expect_error([&] { pot::read_file_bounded(dir_ / "none.txt", 10, "annotation file"); },
                 ErrorKind::Input, {"annotation file", "none.txt", "no such file"});
}

TEST(JsonDepth, NestingUpToTheLimitIsParsed) {
    EXPECT_NO_THROW(pot::parse_json(nested_arrays(pot::kJsonMaxDepth), "x.json", ErrorKind::Config));
}

TEST(JsonDepth, DeeperNestingIsRefusedWithItsPath) {
    const std::string text = R"({"a": [1, {"b/c": )" + nested_arrays(100000) + "}]}";
    expect_error([&] { pot::parse_json(text, "x.json", ErrorKind::Config); }, ErrorKind::Config,
                 {"x.json", "deeper than 64", "/a/1/b~1c/0/0/0"});
}

TEST(JsonDepth, DeepConfigIsAConfigErrorNamingThePath) {
    const std::string text = R"({"engine": {"params": )" + nested_arrays(200000) + "}}";
    expect_error([&] { pot::core::parse_config(text, "/base", "deep.json"); }, ErrorKind::Config,
                 {"deep.json", "deeper than 64", "/engine/params/0/0"});
}

TEST_F(BoundedReaders, ConfigThatIsAFifoIsAConfigError) {
    const auto fifo = make_fifo(dir_ / "config.json");
    expect_error([&] { pot::core::load_config(fifo); }, ErrorKind::Config, {fifo.string(), "FIFO"});
}

TEST_F(BoundedReaders, ConfigThatIsADeviceIsAConfigError) {
    expect_error([&] { pot::core::load_config("/dev/zero"); }, ErrorKind::Config, {"/dev/zero"});
}

TEST_F(BoundedReaders, AnnotationThatIsAFifoIsAnInputError) {
    const auto fifo = make_fifo(dir_ / "labels.txt");
    expect_error([&] { pot::core::read_labels(fifo); }, ErrorKind::Input, {fifo.string(), "FIFO"});
}

TEST_F(BoundedReaders, StatisticsCacheThatIsAFifoIsAnInputError) {
    const auto fifo = make_fifo(dir_ / "stats.json");
    expect_error([&] { pot::core::StatisticsCache cache(fifo); }, ErrorKind::Input, {fifo.string(), "FIFO"});
}

TEST_F(BoundedReaders, DeeplyNestedStatisticsCacheIsAnInputError) {
    write_bytes(dir_ / "stats.json", R"({"version": 1, "entries": )" + nested_arrays(100000) + "}");
    expect_error([&] { pot::core::StatisticsCache cache(dir_ / "stats.json"); }, ErrorKind::Input,
                 {"stats.json", "deeper than 64", "/entries/0"});
}

TEST_F(BoundedReaders, MissingStatisticsCacheIsEmpty) {
    EXPECT_NO_THROW(pot::core::StatisticsCache cache(dir_ / "none.json"));
}

TEST(NpyBounds, LongHeaderIsRefused) {
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" +
                               std::string(70000, ' ') + "\n";
    expect_error([&] { pot::core::parse_npy(npy_v2(header, std::string(4, '\0')), "long.npy"); },
                 ErrorKind::Input, {"long.npy", "header", "65536"});
}

TEST(NpyBounds, HeaderThatRanARegexOutOfStackIsParsed) {
    // A shape of 60 000 bytes of spaces made std::regex recurse once a character.
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2," +
                               std::string(60000, ' ') + "), }\n";
    const auto t = pot::core::parse_npy(npy_v2(header, std::string(8, '\0')), "spaces.npy");
    EXPECT_EQ(t.shape(), (pot::Shape{2}));
}

TEST(NpyBounds, TooManyDimensionsAreRefused) {
    std::string shape;
    for (int i = 0; i < 10000; ++i) shape += "1, ";
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }\n";
    expect_error([&] { pot::core::parse_npy(npy_v2(header, std::string(4, '\0')), "dims.npy"); },
                 ErrorKind::Input, {"dims.npy", "more than 64 dimensions"});
}

TEST(NpyBounds, HugeShapeInASmallFileIsRefusedBeforeAllocating) {
    // 8 GiB of f32 declared by a 100-byte file.
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }\n";
    expect_error([&] { pot::core::parse_npy(npy_v2(header, std::string(16, '\0')), "huge.npy"); },
                 ErrorKind::Input, {"huge.npy", "truncated", "8589934592"});
}

TEST(NpyBounds, ShapeWhoseSizeOverflowsIsRefused) {
    const std::string header =
        "{'descr': '<i8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n";
    expect_error([&] { pot::core::parse_npy(npy_v2(header), "overflow.npy"); }, ErrorKind::Input,
                 {"overflow.npy", "too large"});
    const std::string too_long = "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }";
    expect_error([&] { pot::core::parse_npy(npy_v2(too_long), "digits.npy"); }, ErrorKind::Input,
                 {"digits.npy", "too large"});
}

TEST(NpyBounds, MalformedHeaderNamesThePlace) {
    const std::string header = "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }";
    expect_error([&] { pot::core::parse_npy(npy_v2(header, std::string(4, '\0')), "bad.npy"); },
                 ErrorKind::Input, {"bad.npy", "True or False"});
}

TEST_F(BoundedReaders, NpyFifoIsRefused) {
    const auto fifo = make_fifo(dir_ / "x.npy");
    expect_error([&] { pot::core::read_npy(fifo); }, ErrorKind::Input, {fifo.string(), "FIFO"});
}

TEST(ThreadCount, ZeroAndSmallCountsAreAccepted) {
    EXPECT_EQ(pot::checked_thread_count(0, "/engine/threads"), 0);
    EXPECT_EQ(pot::checked_thread_count(1, "/engine/threads"), 1);
}

TEST(ThreadCount, HugeOrNegativeCountsAreRefused) {
    expect_error([] { pot::checked_thread_count(100000, "--nthreads", ErrorKind::Usage); }, ErrorKind::Usage,
                 {"--nthreads", "100000", "per logical CPU"});
    expect_error([] { pot::checked_thread_count(-1, "/engine/threads"); }, ErrorKind::Config,
                 {"/engine/threads", "-1"});
    expect_error([] { pot::checked_thread_count(pot::kMaxEngineThreads + 1, "/engine/threads"); },
                 ErrorKind::Config, {"/engine/threads"});
}

TEST(BenchmarkBatch, InputBytesOverTheLimitAreRefused) {
    pot::Graph graph;
    graph.inputs.push_back(pot::ValueInfo{"image", pot::DType::F32, {-1, 3, 224, 224}});
    EXPECT_EQ(pot::checked_benchmark_input_bytes(graph, 2, "--batch", ErrorKind::Usage), 2u * 3 * 224 * 224 * 4);
    expect_error([&] { pot::checked_benchmark_input_bytes(graph, 1000000000, "--batch", ErrorKind::Usage); },
                 ErrorKind::Usage, {"--batch", "1000000000", "'image'"});
    expect_error([&] { pot::checked_benchmark_input_bytes(graph, INT64_MAX, "--batch", ErrorKind::Usage); },
                 ErrorKind::Usage, {"--batch"});
}

}  // namespace
