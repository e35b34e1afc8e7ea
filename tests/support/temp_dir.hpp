#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace pot::test {

/// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// The names of the entries directly in `dir`.
std::set<std::string> file_names_in(const std::filesystem::path& dir);

}  // namespace pot::test
