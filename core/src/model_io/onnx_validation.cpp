#include "onnx_validation.hpp"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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

std::string read_all(int fd) {
    std::string bytes;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes.append(buffer, static_cast<size_t>(n));
    }
    return bytes;
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
    std::string report = read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
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
