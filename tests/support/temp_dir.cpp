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

}  // namespace pot::test
