// A driver for the fuzz targets without libFuzzer: runs the target's entry point once per input
// file named on the command line (a directory stands for the regular files in it, in name order),
// without mutation. It makes each committed corpus a regression test in every build, sanitized
// ones above all (ctest fuzz_corpus.<target>), and replays one finding without clang.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Inputs above this are not corpus entries (libFuzzer's default -max_len is 4096; seeds of whole
// models stay far below it).
constexpr std::uintmax_t kMaxInputBytes = std::uintmax_t{64} << 20;

bool collect(const std::filesystem::path& path, std::vector<std::filesystem::path>& files) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        std::vector<std::filesystem::path> entries;
        for (const auto& entry : std::filesystem::directory_iterator(path, ec))
            if (entry.is_regular_file()) entries.push_back(entry.path());
        if (ec) return false;
        std::sort(entries.begin(), entries.end());
        files.insert(files.end(), entries.begin(), entries.end());
        return true;
    }
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    files.push_back(path);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        if (!collect(argv[i], files)) {
            std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            return 2;
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "no inputs in the paths given\n");
        return 2;
    }
    for (const auto& file : files) {
        std::error_code ec;
        const std::uintmax_t size = std::filesystem::file_size(file, ec);
        if (ec || size > kMaxInputBytes) {
            std::fprintf(stderr, "%s: %s\n", file.c_str(), ec ? ec.message().c_str() : "larger than 64 MiB");
            return 2;
        }
        std::ifstream in(file, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.eof() && in.fail()) {
            std::fprintf(stderr, "%s: cannot be read\n", file.c_str());
            return 2;
        }
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("%zu inputs run\n", files.size());
    return 0;
}
