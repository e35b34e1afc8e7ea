#include "staging_cleanup.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <iterator>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pot/error.hpp"

namespace pot::core::staging_cleanup {

namespace {

enum Phase : int { kIdle, kStaging, kCommitting, kCleaning, kCommitted };

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr size_t kMaxFolders = 8;

struct State {
    std::atomic<int> phase{kIdle};
    std::atomic<int> held_signal{0};
    std::atomic<int> stop_accepted{0};  ///< an algorithm polls stop_requested()
    std::atomic<int> stop_asked{0};
    char staging[PATH_MAX] = {};
    char folders[kMaxFolders][PATH_MAX] = {};
    size_t folder_count = 0;
    struct sigaction previous[std::size(kSignals)] = {};
};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free atomic");

State g_state;

// The record getdents64 fills; glibc only declares it from 2.30 on.
struct DirEntry64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[1];
};

bool is_dot_or_dot_dot(const char* name) {
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// Async-signal-safe: system calls only, on static buffers.
void remove_staging_now() {
    const int fd = open(g_state.staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        alignas(DirEntry64) static char buffer[8192];
        // A second pass catches a file another thread created while the first one ran.
        for (int pass = 0; pass < 2; ++pass) {
            lseek(fd, 0, SEEK_SET);
            for (;;) {
                const long n = syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
                if (n <= 0) break;
                for (long at = 0; at < n;) {
                    const auto* e = reinterpret_cast<const DirEntry64*>(buffer + at);
                    at += e->reclen;
                    if (is_dot_or_dot_dot(e->name)) continue;
                    if (unlinkat(fd, e->name, 0) != 0 && errno == EISDIR)
                        unlinkat(fd, e->name, AT_REMOVEDIR);
                }
            }
        }
        close(fd);
    }
    rmdir(g_state.staging);
    for (size_t i = 0; i < g_state.folder_count; ++i) rmdir(g_state.folders[i]);
}

void die_of(int signal_number) {
    ::signal(signal_number, SIG_DFL);
    // The signal is blocked while its handler runs: it is delivered, with the default action, as
    // soon as the handler returns.
    raise(signal_number);
}

void on_signal(int signal_number) {
    const int saved_errno = errno;
    if (signal_number == SIGINT && g_state.stop_accepted.load() && g_state.phase.load() == kStaging &&
        g_state.stop_asked.exchange(1) == 0) {
        static const char kMessage[] =
            "\ninterrupt: stopping after the current step with the best result so far; "
            "interrupt again to abort\n";
        [[maybe_unused]] const auto written = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
        errno = saved_errno;
        return;
    }
    int expected = kStaging;
    if (g_state.phase.compare_exchange_strong(expected, kCleaning)) {
        remove_staging_now();
        die_of(signal_number);
    } else if (expected == kCommitting) {
        g_state.held_signal.store(signal_number);
    } else if (expected == kIdle || expected == kCommitted) {
        die_of(signal_number);
    }
    // kCleaning: the handler running on another thread ends the process.
    errno = saved_errno;
}

void copy_path(char* dst, const std::filesystem::path& path) {
    const std::string text = path.string();
    POT_CHECK(text.size() < PATH_MAX, "output path '", text, "' is longer than ", PATH_MAX - 1,
              " bytes; choose a shorter --output-dir");
    std::memcpy(dst, text.c_str(), text.size() + 1);
}

[[noreturn]] void wait_for_the_end() {
    for (;;) pause();
}

}  // namespace

void arm(const std::filesystem::path& staging, const std::vector<std::filesystem::path>& folders) {
    POT_CHECK(g_state.phase.load() == kIdle, "internal: two output stagings in one process");
    copy_path(g_state.staging, staging);
    g_state.folder_count = std::min(folders.size(), kMaxFolders);
    for (size_t i = 0; i < g_state.folder_count; ++i) copy_path(g_state.folders[i], folders[i]);
    g_state.held_signal.store(0);
    g_state.stop_accepted.store(0);
    g_state.stop_asked.store(0);
    g_state.phase.store(kStaging);
    struct sigaction action = {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (int s : kSignals) sigaddset(&action.sa_mask, s);
    action.sa_flags = SA_RESTART;
    for (size_t i = 0; i < std::size(kSignals); ++i)
        sigaction(kSignals[i], &action, &g_state.previous[i]);
}

void disarm() {
    int expected = kStaging;
    if (!g_state.phase.compare_exchange_strong(expected, kIdle)) {
        if (expected == kCleaning) wait_for_the_end();
        g_state.phase.store(kIdle);
    }
    for (size_t i = 0; i < std::size(kSignals); ++i)
        sigaction(kSignals[i], &g_state.previous[i], nullptr);
    g_state.stop_accepted.store(0);
}

bool stop_requested() {
    g_state.stop_accepted.store(1);
    return g_state.stop_asked.load() != 0;
}

void begin_commit() {
    int expected = kStaging;
    if (!g_state.phase.compare_exchange_strong(expected, kCommitting) && expected == kCleaning)
        wait_for_the_end();
}

void end_commit(bool committed) {
    g_state.phase.store(committed ? kCommitted : kStaging);
    const int held = g_state.held_signal.exchange(0);
    if (held == 0) return;
    if (!committed) {
        int expected = kStaging;
        if (!g_state.phase.compare_exchange_strong(expected, kCleaning)) wait_for_the_end();
        remove_staging_now();
    }
    ::signal(held, SIG_DFL);
    raise(held);
    wait_for_the_end();
}

}  // namespace pot::core::staging_cleanup
