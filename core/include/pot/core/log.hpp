#pragma once

#include <cstdio>
#include <mutex>
#include <set>
#include <string>

#include "pot/algorithm.hpp"
#include "pot/engine.hpp"

namespace pot::core {

/// Parses "DEBUG", "INFO", "WARNING", "ERROR" (case-insensitive); throws a Usage error otherwise.
LogLevel parse_log_level(const std::string& text);

/// Writes messages at or above a level to stderr, one line each, prefixed with the level. A
/// warning identical to an earlier one is not repeated.
class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::Info) : level_(level) {}
    void log(LogLevel level, const std::string& message);
    LogLevel level() const { return level_; }
    /// Messages from now on begin with "<context>: " (a cascade's model name); "" for none.
    void set_context(std::string context);

private:
    LogLevel level_;
    std::string context_;
    std::mutex mutex_;
    std::set<std::string> warned_;
};

/// Progress on stderr: a redrawn bar on a terminal, a few plain lines otherwise.
class ConsoleProgress final : public Progress {
public:
    explicit ConsoleProgress(bool enabled = true);
    void start(const std::string& what, size_t total) override;
    void advance(size_t done) override;
    void finish() override;

private:
    bool enabled_, tty_;
    std::string what_;
    size_t total_ = 0, last_percent_ = 0;
};

}  // namespace pot::core
