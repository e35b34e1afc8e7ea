#include "pot/core/log.hpp"

#include <algorithm>
#include <iostream>

#include <unistd.h>

#include "pot/error.hpp"

namespace pot::core {

LogLevel parse_log_level(const std::string& text) {
    std::string t = text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
    if (t == "DEBUG") return LogLevel::Debug;
    if (t == "INFO") return LogLevel::Info;
    if (t == "WARNING") return LogLevel::Warning;
    if (t == "ERROR") return LogLevel::Error;
    POT_THROW(Usage, "--log-level: unknown level '", text, "'; use DEBUG, INFO, WARNING or ERROR");
}

void Logger::log(LogLevel level, const std::string& message) {
    if (level < level_) return;
    std::string line;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        line = context_.empty() ? message : context_ + ": " + message;
        // Algorithms sharing one section (DefaultQuantization's parts) warn about it alike; once is enough.
        if (level == LogLevel::Warning && !warned_.insert(line).second) return;
    }
    static const char* kNames[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
    std::cerr << "[" << kNames[static_cast<int>(level)] << "] " << line << std::endl;
}

void Logger::set_context(std::string context) {
    const std::lock_guard<std::mutex> lock(mutex_);
    context_ = std::move(context);
}

ConsoleProgress::ConsoleProgress(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}

void ConsoleProgress::start(const std::string& what, size_t total) {
    what_ = what;
    total_ = total;
    last_percent_ = 0;
    if (enabled_ && !tty_) std::cerr << what_ << ": " << total_ << " samples" << std::endl;
}

void ConsoleProgress::advance(size_t done) {
    if (!enabled_ || total_ == 0) return;
    const size_t percent = done * 100 / total_;
    if (tty_) {
        if (percent == last_percent_ && done != total_) return;
        constexpr size_t kWidth = 40;
        const size_t filled = percent * kWidth / 100;
        std::cerr << "\r" << what_ << " [" << std::string(filled, '#') << std::string(kWidth - filled, '.')
                  << "] " << done << "/" << total_ << std::flush;
    } else if (percent / 25 > last_percent_ / 25) {
        std::cerr << what_ << ": " << done << "/" << total_ << std::endl;
    }
    last_percent_ = percent;
}

void ConsoleProgress::finish() {
    if (enabled_ && tty_) std::cerr << std::endl;
}

}  // namespace pot::core
