#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "model_builders.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "temp_dir.hpp"

namespace {

using pot::Graph;

std::vector<std::string> entries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs `fn`, expecting a pot::Error whose message names `file`.
template <typename Fn>
void expect_error_naming(Fn fn, const std::filesystem::path& file) {
    try {
        fn();
        ADD_FAILURE() << "no error thrown";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
}

TEST(AtomicSave, SaveIntoAMissingFolderFailsAndLeavesNothing) {
    pot::test::TempDir dir;
    const auto file = dir / "missing" / "m.onnx";
    expect_error_naming([&] { pot::core::save_onnx(pot::test::conv_relu_graph({}), file); }, file);
    EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(AtomicSave, SaveBelowARegularFileFailsAndLeavesNothing) {
    pot::test::TempDir dir;
    std::ofstream(dir / "plain") << "x";
    const auto file = dir / "plain" / "m.onnx";
    expect_error_naming([&] { pot::core::save_onnx(pot::test::conv_relu_graph({}), file); }, file);
    EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"plain"});
}

TEST(AtomicSave, SaveIntoAReadOnlyFolderFailsAndLeavesNothing) {
    if (::geteuid() == 0) GTEST_SKIP() << "root may write into read-only folders; covered by the other failure tests";
    pot::test::TempDir dir;
    const auto folder = dir / "read_only";
    std::filesystem::create_directory(folder);
    std::filesystem::permissions(folder, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const auto file = folder / "m.onnx";
    expect_error_naming([&] { pot::core::save_onnx(pot::test::conv_relu_graph({}), file); }, file);
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all);
    EXPECT_TRUE(entries(folder).empty());
}

// The rename is the last step: a target that cannot be replaced (a folder) fails after the bytes
// were written, and the temporary file must still be gone.
TEST(AtomicSave, FailedRenameRemovesTheTemporaryFile) {
    pot::test::TempDir dir;
    const auto file = dir / "m.onnx";
    std::filesystem::create_directory(file);
    std::ofstream(file / "keep") << "x";
    expect_error_naming([&] { pot::core::save_onnx(pot::test::conv_relu_graph({}), file); }, file);
    EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"m.onnx"});
    EXPECT_TRUE(std::filesystem::is_directory(file));
}

TEST(AtomicSave, FailedExportLeavesAnExistingFileUntouched) {
    pot::test::TempDir dir;
    const auto file = dir / "m.onnx";
    std::ofstream(file) << "previous contents";
    Graph g = pot::test::conv_relu_graph({});
    auto params = pot::test::fake_quantize_params(pot::DType::U8, {0.1f}, {0});
    params.output_low[0] = -1.0f;  // not affine: no QDQ form
    pot::insert_fake_quantize(g, pot::FakeQuantizeSite{"x", std::nullopt, 0}, params, 4);
    expect_error_naming([&] { pot::core::save_onnx(g, file); }, file);
    EXPECT_EQ(read_text(file), "previous contents");
    EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"m.onnx"});
}

TEST(AtomicSave, SaveReplacesAnExistingFileAndLeavesNoTemporaryFile) {
    pot::test::TempDir dir;
    const auto file = dir / "m.onnx";
    std::ofstream(file) << "previous contents";
    const Graph g = pot::test::conv_relu_graph({});
    pot::core::save_onnx(g, file);
    EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"m.onnx"});
    EXPECT_EQ(read_text(file), pot::core::serialize_onnx(g));
    const auto perms = std::filesystem::status(file).permissions();
    EXPECT_NE(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

}  // namespace
