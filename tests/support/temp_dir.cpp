#include "temp_dir.hpp"

#include <cstdlib>
#include <string>

#include "pot/error.hpp"

namespace pot::test {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pot-test-XXXXXX").string();
    POT_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot create a temporary folder under ",
              std::filesystem::temp_directory_path().string());
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::set<std::string> file_names_in(const std::filesystem::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename().string());
    return names;
}

}  // namespace pot::test
