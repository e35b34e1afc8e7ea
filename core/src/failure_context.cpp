#include "pot/core/failure_context.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <new>
#include <vector>

namespace pot::core {

namespace {

struct StageStack {
    std::vector<const StageScope*> open;
    // Captured by the first scope an exception leaves. Once no exception is in flight, opening or
    // closing a scope clears it (the failure was handled), and so does reporting it.
    std::string failed;
};

StageStack& stack() {
    thread_local StageStack s;
    return s;
}

std::string join(const std::vector<const StageScope*>& open) {
    std::string out;
    for (const auto* scope : open) out += (out.empty() ? "" : ", ") + scope->what();
    return out;
}

std::string while_stage() {
    const std::string stage = failed_stage();
    return stage.empty() ? std::string() : " while " + stage;
}

}  // namespace

StageScope::StageScope(std::string what)
    : what_(std::move(what)), uncaught_at_open_(std::uncaught_exceptions()) {
    auto& s = stack();
    if (uncaught_at_open_ == 0) s.failed.clear();
    s.open.push_back(this);
}

StageScope::~StageScope() {
    auto& s = stack();
    const int uncaught = std::uncaught_exceptions();
    if (uncaught > uncaught_at_open_ && s.failed.empty()) {
        try {
            s.failed = join(s.open);
        } catch (...) {
            // Out of memory again: the failure is still reported, only without its stage.
        }
    } else if (uncaught == 0) {
        s.failed.clear();
    }
    // Scopes normally close innermost first; a StageProgress may outlive scopes opened after it.
    const auto it = std::find(s.open.rbegin(), s.open.rend(), this);
    if (it != s.open.rend()) s.open.erase(std::next(it).base());
}

std::string current_stage() { return join(stack().open); }

std::string failed_stage() {
    const auto& s = stack();
    return s.failed.empty() ? join(s.open) : s.failed;
}

void StageProgress::start(const std::string& what, size_t total) {
    if (owner_thread()) {
        what_ = what;
        total_ = total;
        scope_.reset();
        scope_.emplace(str_cat(what_, ": sample 1 of ", total_));
    }
    if (inner_) inner_->start(what, total);
}

void StageProgress::advance(size_t done) {
    if (owner_thread() && scope_ && done < total_)
        scope_->rename(str_cat(what_, ": sample ", done + 1, " of ", total_));
    if (inner_) inner_->advance(done);
}

void StageProgress::finish() {
    if (owner_thread()) scope_.reset();
    if (inner_) inner_->finish();
}

FailureReport describe_current_exception() {
    // Reported once: a later failure outside every scope must not inherit this stage.
    struct Consume {
        ~Consume() { stack().failed.clear(); }
    } consume;
    try {
        throw;
    } catch (const Error& e) {
        return {e.kind(), e.what()};
    } catch (const std::bad_alloc&) {
        return {ErrorKind::Runtime, "out of memory" + while_stage()};
    } catch (const std::filesystem::filesystem_error& e) {
        std::string paths = "'" + e.path1().string() + "'";
        if (!e.path2().empty()) paths += " and '" + e.path2().string() + "'";
        return {ErrorKind::Runtime,
                str_cat("file system error on ", paths, ": ", e.code().message(), while_stage())};
    } catch (const std::exception& e) {
        return {ErrorKind::Runtime, e.what() + while_stage()};
    } catch (...) {
        return {ErrorKind::Runtime, "unknown failure" + while_stage()};
    }
}

}  // namespace pot::core
