#include "onnx_validation.hpp"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "pot/error.hpp"

// Present only when a sanitizer runtime is linked in (tests, fuzzers).
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace pot::core::model_io {

namespace {
// First byte of the child's report.
constexpr char kInferred = 'o';
constexpr char kCheckerFailed = 'c';
constexpr char kInferenceFailed = 'i';

/// The checker and shape inference in this process. Returns the report: status byte, then the
/// inferred value_info and outputs (as a serialized ModelProto) or the error message.
std::string check_and_infer_here(onnx::ModelProto& model) {
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

void write_all(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
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

/// Runs check_and_infer_here() in a forked child; nullopt when no child could be started.
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
            report = check_and_infer_here(model);
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
    if (!finished) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    POT_CHECK_KIND(Input, finished.has_value(), where, "the ONNX checker and shape inference did not finish in ",
                   limit.count(), " s; the model is malformed or too large");
    const std::string& report = *finished;
    if (WIFSIGNALED(status))
        throw OnnxLibraryCrash(str_cat(where, "the ONNX library crashed (", ::strsignal(WTERMSIG(status)),
                                       ") while checking the model; the file is malformed"));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw OnnxLibraryCrash(str_cat(where, "the ONNX library failed (exit status ", WEXITSTATUS(status),
                                       ") while checking the model; the file is malformed"));
    POT_CHECK_KIND(Input, !report.empty(), where, "checking the model failed without a report");
    return report;
}
}  // namespace

void check_and_infer_shapes(onnx::ModelProto& model, const std::string& where) {
    auto report = check_and_infer_in_child(model, where);
    if (!report) report = check_and_infer_here(model);
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
