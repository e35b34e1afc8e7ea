#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace pot::test {

/// What a finished pot-host run printed and returned.
struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs the built pot-host with `args` (no shell parsing) and waits for it.
RunResult run_pot_host(const std::vector<std::string>& args);

/// Writes `text` to `file`.
void write_file(const std::filesystem::path& file, const std::string& text);

/// True when `dir` does not exist or holds nothing.
bool empty_or_missing(const std::filesystem::path& dir);

}  // namespace pot::test
