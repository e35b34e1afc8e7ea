#pragma once

#include <optional>
#include <string>
#include <thread>

#include "pot/engine.hpp"
#include "pot/error.hpp"

namespace pot::core {

/// Names what the current thread is doing ("loading model 'a.onnx'"), so that a failure whose
/// exception does not say it (out of memory, a file system error) can still be reported with the
/// file, algorithm or sample it concerns. Scopes nest and are per thread.
///
/// When an exception leaves a scope, the scopes open at that moment are remembered: the handler
/// that finally catches it reads them with failed_stage(), after every scope has closed.
class StageScope {
public:
    explicit StageScope(std::string what);
    ~StageScope();
    StageScope(const StageScope&) = delete;
    StageScope& operator=(const StageScope&) = delete;

    /// Replaces the text of this scope (a loop naming its current item).
    void rename(std::string what) { what_ = std::move(what); }
    const std::string& what() const { return what_; }

private:
    std::string what_;
    int uncaught_at_open_;
};

/// The scopes open in this thread, outermost first, joined by ", "; "" when none is open.
std::string current_stage();

/// The scopes that were open where the exception being handled left the innermost of them, or,
/// when no unhandled exception left a scope, those open now ("" if none).
std::string failed_stage();

/// A Progress that also keeps a StageScope naming the sample being processed ("statistics:
/// sample 13 of 300"), and forwards everything to `inner` (may be null). Only calls from the
/// thread that created it touch the scope.
class StageProgress final : public Progress {
public:
    explicit StageProgress(Progress* inner) : inner_(inner) {}
    void start(const std::string& what, size_t total) override;
    void advance(size_t done) override;
    void finish() override;

private:
    bool owner_thread() const { return std::this_thread::get_id() == owner_; }

    Progress* inner_;
    std::thread::id owner_ = std::this_thread::get_id();
    std::string what_;
    size_t total_ = 0;
    std::optional<StageScope> scope_;
};

/// How pot-host reports a failure: one message and the kind that picks the exit code.
struct FailureReport {
    ErrorKind kind = ErrorKind::Runtime;
    std::string message;
};

/// Describes the exception being handled; call it only inside a catch block. pot::Error keeps its
/// message; std::bad_alloc becomes "out of memory while <stage>"; a filesystem_error names its
/// paths; any other exception gets the stage appended. The stage is forgotten afterwards.
FailureReport describe_current_exception();

}  // namespace pot::core
