#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "pot/error.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// Reads the whole content of `file`, which must be a regular file (symbolic links are followed)
/// of at most `max_bytes` bytes. A FIFO, socket, device or folder is refused without ever
/// blocking on it or reading from it, and a file that grows past `max_bytes` while it is read is
/// refused too, so the memory used is bounded by `max_bytes`.
/// Failures throw pot::Error(`kind`) whose message starts with `what` and the path, e.g.
/// "config file 'x.json': not a regular file (a FIFO)".
/// @since ABI 1.0
POT_SDK_VISIBLE std::string read_file_bounded(const std::filesystem::path& file, uint64_t max_bytes,
                                              const std::string& what,
                                              ErrorKind kind = ErrorKind::Input);

/// "1.5 GiB", "64 KiB", "12 bytes": a byte count for messages.
/// @since ABI 2.0
POT_SDK_VISIBLE std::string byte_size_str(uint64_t bytes);

}  // namespace pot
