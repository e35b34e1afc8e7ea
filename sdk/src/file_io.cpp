#include "pot/file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <iterator>
#include <sstream>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pot {

namespace {

const char* file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    return "not a plain file";
}

template <typename... Parts>
[[noreturn]] void fail(ErrorKind kind, const std::string& where, Parts&&... parts) {
    throw Error(kind, str_cat(where, std::forward<Parts>(parts)...));
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

std::string byte_size_str(uint64_t bytes) {
    static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return str_cat(bytes, bytes == 1 ? " byte" : " bytes");
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    for (value /= 1024; value >= 1024 && unit + 1 < std::size(kUnits); value /= 1024) ++unit;
    std::ostringstream out;
    out << std::setprecision(value < 10 ? 2 : 3) << value << ' ' << kUnits[unit];
    return out.str();
}

std::string read_file_bounded(const std::filesystem::path& file, uint64_t max_bytes,
                              const std::string& what, ErrorKind kind) {
    const std::string where = str_cat(what, " '", file.string(), "': ");
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        const int error = errno;
        fail(kind, where, error == ENOENT ? "no such file" : std::strerror(error));
    }
    // Checked before open(): opening a FIFO for reading would wait for a writer, and opening
    // some devices has side effects.
    if (!S_ISREG(info.st_mode))
        fail(kind, where, "not a regular file (", file_type_name(info.st_mode), ")");
    // O_NONBLOCK: should the path be swapped for a FIFO after the check, open() still returns.
    const FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) fail(kind, where, "cannot open for reading: ", std::strerror(errno));
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
        fail(kind, where, "not a regular file");
    const auto size = static_cast<uint64_t>(info.st_size);
    if (size > max_bytes)
        fail(kind, where, "the file is ", byte_size_str(size), ", more than the ",
                             byte_size_str(max_bytes), " allowed");
    // Some regular files (in /proc, /sys) report size 0 and yet have content: read to the end,
    // but never past the limit.
    std::string bytes(static_cast<size_t>(size), '\0');
    size_t used = 0;
    for (;;) {
        if (used == bytes.size()) {
            if (bytes.size() > max_bytes) break;
            bytes.resize(std::min<uint64_t>(std::max<uint64_t>(bytes.size() * 2, 4096), max_bytes + 1));
        }
        const ssize_t got = ::read(fd.get(), bytes.data() + used, bytes.size() - used);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail(kind, where, "read error: ", std::strerror(errno));
        if (got == 0) break;
        used += static_cast<size_t>(got);
    }
    if (used > max_bytes)
        fail(kind, where, "the file holds more than the ", byte_size_str(max_bytes),
                             " allowed");
    bytes.resize(used);
    return bytes;
}

}  // namespace pot
