#pragma once

#include <filesystem>
#include <string>

namespace pot::core {

/// Writes `bytes` to `file` through a temporary file in the same folder (flushed to disk) and a
/// rename: readers see the old file or the whole new one, never a part. The temporary file is
/// removed on failure. Throws pot::Error(Runtime) naming the file and the system's reason.
void write_file_atomically(const std::filesystem::path& file, const std::string& bytes);

}  // namespace pot::core
