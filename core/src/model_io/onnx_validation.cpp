#include "onnx_validation.hpp"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "pot/error.hpp"

extern char** environ;

// Present only when a sanitizer runtime is linked in (tests, fuzzers).
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace pot::core::model_io {

namespace {
// First byte of the child's report.
constexpr char kInferred = 'o';
constexpr char kCheckerFailed = 'c';
constexpr char kInferenceFailed = 'i';

}  // namespace

std::string check_and_infer_report(onnx::ModelProto& model) {
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        return kCheckerFailed + std::string(e.what());
    }
    try {
        onnx::shape_inference::InferShapes(model);
    } catch (const std::exception& e) {
        return kInferenceFailed + std::string(e.what());
    }
    onnx::ModelProto inferred;
    *inferred.mutable_graph()->mutable_value_info() = model.graph().value_info();
    *inferred.mutable_graph()->mutable_output() = model.graph().output();
    std::string bytes;
    inferred.SerializeToString(&bytes);
    return kInferred + bytes;
}

namespace {

/// True when every byte was written.
bool write_all(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

/// Everything written to `fd` until the writer closes it, or nullopt when `deadline` passes first.
std::optional<std::string> read_all(int fd, std::chrono::steady_clock::time_point deadline) {
    std::string bytes;
    char buffer[1 << 16];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd wait{fd, POLLIN, 0};
        const int ready = ::poll(&wait, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes.append(buffer, static_cast<size_t>(n));
    }
    return bytes;
}

/// How long the checker and shape inference may take: ample for any real model (the library
/// takes well under a second for hundreds of MB), so only a hang reaches it.
std::chrono::seconds time_limit(const onnx::ModelProto& model) {
    constexpr int64_t kBaseSeconds = 20, kBytesPerExtraSecond = 10 << 20;
    return std::chrono::seconds(kBaseSeconds + static_cast<int64_t>(model.ByteSizeLong()) / kBytesPerExtraSecond);
}

/// Waits for `pid` to end, then reports what ended it unless it wrote its report in time.
std::string finish_child(pid_t pid, const std::optional<std::string>& finished, std::chrono::seconds limit,
                         const std::string& where) {
    if (!finished) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    POT_CHECK_KIND(Input, finished.has_value(), where, "the ONNX checker and shape inference did not finish in ",
                   limit.count(), " s; the model is malformed or too large");
    if (WIFSIGNALED(status))
        throw OnnxLibraryCrash(str_cat(where, "the ONNX library crashed (", ::strsignal(WTERMSIG(status)),
                                       ") while checking the model; the file is malformed"));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw OnnxLibraryCrash(str_cat(where, "the ONNX library failed (exit status ", WEXITSTATUS(status),
                                       ") while checking the model; the file is malformed"));
    POT_CHECK_KIND(Input, !finished->empty(), where, "checking the model failed without a report");
    return *finished;
}

/// pot-onnx-check: $POT_ONNX_CHECK, else pot/pot-onnx-check beside the library holding this code.
std::optional<std::string> checker_program() {
    if (const char* path = std::getenv("POT_ONNX_CHECK"); path && *path) return std::string(path);
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&check_and_infer_shapes), &info) == 0 || !info.dli_fname)
        return std::nullopt;
    std::string program = info.dli_fname;
    program = program.substr(0, program.find_last_of('/') + 1) + "pot/pot-onnx-check";
    if (::access(program.c_str(), X_OK) != 0) return std::nullopt;
    return program;
}

/// Writes `bytes` into a new anonymous file, positioned at its start; -1 when that fails.
int anonymous_file_with(const std::string& bytes) {
    const int fd = ::memfd_create("pot-onnx-model", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (write_all(fd, bytes) && ::lseek(fd, 0, SEEK_SET) == 0) return fd;
    ::close(fd);
    return -1;
}

/// Runs pot-onnx-check on `model`. Spawning a program, unlike forking, is safe from a process
/// whose other threads hold locks, and the program starts with default signal handlers. nullopt
/// when it could not be started.
std::optional<std::string> check_and_infer_in_program(const onnx::ModelProto& model, const std::string& program,
                                                      const std::string& where) {
    std::string bytes;
    if (!model.SerializeToString(&bytes)) return std::nullopt;
    const int input = anonymous_file_with(bytes);
    if (input < 0) return std::nullopt;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        ::close(input);
        return std::nullopt;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::string argv0 = program;
    char* argv[] = {argv0.data(), nullptr};
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(input);
    ::close(fds[1]);
    if (spawned != 0) {
        ::close(fds[0]);
        return std::nullopt;
    }
    const auto limit = time_limit(model);
    const auto finished = read_all(fds[0], std::chrono::steady_clock::now() + limit);
    ::close(fds[0]);
    return finish_child(pid, finished, limit, where);
}

/// Runs check_and_infer_report() in a forked child; nullopt when no child could be started.
std::optional<std::string> check_and_infer_in_child(onnx::ModelProto& model, const std::string& where) {
    int fds[2];
    if (::pipe(fds) != 0) return std::nullopt;
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        ::close(fds[0]);
        // A crash of the ONNX library must end this child by its signal, for the parent to
        // report. Handlers inherited from the parent (a sanitizer's, a fuzzer's) would report it
        // as a failure of the parent itself.
        if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
        for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
        std::string report;
        try {
            report = check_and_infer_report(model);
        } catch (...) {
            report = kInferenceFailed + std::string("unexpected failure");
        }
        write_all(fds[1], report);
        ::close(fds[1]);
        ::_exit(0);  // no destructors or atexit handlers of the parent's state
    }
    ::close(fds[1]);
    const auto limit = time_limit(model);
    const std::optional<std::string> finished = read_all(fds[0], std::chrono::steady_clock::now() + limit);
    ::close(fds[0]);
    return finish_child(pid, finished, limit, where);
}
}  // namespace

void check_and_infer_shapes(onnx::ModelProto& model, const std::string& where) {
    std::optional<std::string> report;
    if (const auto program = checker_program()) report = check_and_infer_in_program(model, *program, where);
    if (!report) report = check_and_infer_in_child(model, where);
    if (!report) report = check_and_infer_report(model);
    const std::string detail = report->substr(1);
    POT_CHECK_KIND(Input, (*report)[0] != kCheckerFailed, where, "fails the ONNX checker: ", detail);
    POT_CHECK_KIND(Input, (*report)[0] != kInferenceFailed, where, "shape inference failed: ", detail);
    onnx::ModelProto inferred;
    POT_CHECK_KIND(Input, (*report)[0] == kInferred && inferred.ParseFromString(detail), where,
                   "shape inference returned an unreadable result");
    POT_CHECK_KIND(Input, inferred.graph().output_size() == model.graph().output_size(), where,
                   "shape inference changed the graph outputs");
    *model.mutable_graph()->mutable_value_info() = inferred.graph().value_info();
    *model.mutable_graph()->mutable_output() = inferred.graph().output();
}

}  // namespace pot::core::model_io
