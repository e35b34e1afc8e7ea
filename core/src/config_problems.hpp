#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "pot/error.hpp"
#include "pot/params.hpp"

namespace pot::core {

/// A path as a config file gives it: absolute as it is, relative to the file's folder `base`.
inline std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
    const std::filesystem::path path(p);
    return path.is_absolute() ? path : (base / path).lexically_normal();
}

/// Marks the keys of `keys` that `section` has as read, and lists them as "/<where>/<key>, ..."
/// ("" when it has none): for a warning that they are ignored.
inline std::string accept_ignored(const Params& section, std::initializer_list<const char*> keys,
                                  const std::string& where) {
    std::string list;
    for (const char* key : keys)
        if (section.has(key)) {
            section.accept(key);
            list += str_cat(list.empty() ? "" : ", ", where, "/", key);
        }
    return list;
}

/// The Config errors of one file or one list of entries, gathered so a run reports all of them
/// at once instead of one per run. Each independent read goes through check(); a Config error it
/// throws is recorded and the next read goes on. Any other error kind passes through at once.
class ConfigProblems {
public:
    /// More than this many problems means the wrong file; the rest are counted, not listed.
    static constexpr size_t kMaxListed = 20;

    /// Runs `read`, recording a Config error it throws (after `prefix` and ": " when `prefix` is
    /// not empty: the file a nested document came from).
    template <typename Read>
    void check(Read&& read, const std::string& prefix = "") {
        try {
            read();
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::Config) throw;
            add(e.what(), prefix);
        }
    }

    /// Records `message`, after `prefix` and ": " when `prefix` is not empty.
    void add(std::string message, const std::string& prefix = "") {
        if (!prefix.empty()) message = prefix + ": " + message;
        ++count_;
        if (messages_.size() < kMaxListed) messages_.push_back(std::move(message));
    }

    bool empty() const { return count_ == 0; }

    /// Records something that is not an error but that the user should read (a key ignored,
    /// and why), after `prefix` and ": " when `prefix` is not empty.
    void warn(std::string message, const std::string& prefix = "") {
        warnings_.push_back(prefix.empty() ? std::move(message) : prefix + ": " + message);
    }
    const std::vector<std::string>& warnings() const { return warnings_; }

    /// Throws one Config error listing every problem (one per line after the first), prefixed by
    /// `origin` when it is not empty. Does nothing when there are none.
    void throw_if_any(const std::string& origin) const {
        if (count_ == 0) return;
        const std::string prefix = origin.empty() ? std::string() : origin + ": ";
        if (count_ == 1) throw Error(ErrorKind::Config, prefix + messages_[0]);
        std::string text = str_cat(prefix, count_, " problems:");
        for (const auto& m : messages_) text += "\n  " + m;
        if (count_ > messages_.size())
            text += str_cat("\n  ... and ", count_ - messages_.size(), " more");
        throw Error(ErrorKind::Config, text);
    }

private:
    std::vector<std::string> messages_;
    std::vector<std::string> warnings_;
    size_t count_ = 0;
};

}  // namespace pot::core
