#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "pot/core/atomic_file.hpp"
#include "pot/error.hpp"

namespace pot::core {

namespace {
// Permissions of a file written with open(..., 0666) under the usual umask 022; mkstemp alone
// would leave the model readable by its owner only.
constexpr mode_t kFileMode = 0644;

std::string errno_text() { return std::strerror(errno); }
}  // namespace

void write_file_atomically(const std::filesystem::path& file, const std::string& bytes) {
    POT_CHECK(!file.filename().empty(), "cannot write '", file.string(), "': not a file name");
    const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
    // A hidden name next to the target, so the rename stays within one file system.
    std::string hidden(".");
    hidden.append(file.filename().string()).append(".tmp-XXXXXX");
    const std::string pattern = (folder / hidden).string();
    std::vector<char> temp_name(pattern.begin(), pattern.end());
    temp_name.push_back('\0');
    const int fd = ::mkstemp(temp_name.data());
    POT_CHECK(fd >= 0, "cannot write '", file.string(), "': cannot create a file in '",
              folder.string(), "': ", errno_text());
    const std::string temp(temp_name.data());
    const auto fail = [&](const std::string& what) {
        const std::string reason = errno_text();
        ::close(fd);
        ::unlink(temp.c_str());
        POT_THROW(Runtime, "cannot write '", file.string(), "': ", what, ": ", reason);
    };
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("write failed");
        written += static_cast<size_t>(n);
    }
    if (::fchmod(fd, kFileMode) != 0) fail("cannot set permissions");
    if (::fsync(fd) != 0) fail("cannot flush to disk");
    if (::close(fd) != 0) {
        const std::string reason = errno_text();
        ::unlink(temp.c_str());
        POT_THROW(Runtime, "cannot write '", file.string(), "': close failed: ", reason);
    }
    if (std::rename(temp.c_str(), file.c_str()) != 0) {
        const std::string reason = errno_text();
        ::unlink(temp.c_str());
        POT_THROW(Runtime, "cannot write '", file.string(), "': cannot replace it: ", reason);
    }
}

}  // namespace pot::core
