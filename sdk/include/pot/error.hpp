#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "pot/visibility.hpp"

namespace pot {

/// What kind of failure an Error reports; pot-host maps it to an exit code
/// (Usage and Config -> 2, everything else -> 1).
/// The values cross the plugin boundary as enum PotErrorKind (abi.h): never renumber them.
/// @since ABI 2.0
enum class ErrorKind {
    Usage = 0,    ///< bad command line
    Config = 1,   ///< bad configuration file or parameters
    Input = 2,    ///< unreadable or malformed model or data
    Runtime = 3,  ///< failure while running (unsupported op, engine failure, I/O)
};

/// Concatenates any streamable values into one string.
/// @since ABI 2.0
template <typename... Parts>
std::string str_cat(Parts&&... parts) {
    std::ostringstream out;
    (out << ... << std::forward<Parts>(parts));
    return out.str();
}

/// The one exception type of the project. The message says what failed and where.
/// @since ABI 2.0
class POT_SDK_VISIBLE Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Error(const Error&) = default;
    Error& operator=(const Error&) = default;
    /// Defined in libpot_sdk, which makes it the key function: the vtable and type info of every
    /// Error, even one thrown by a plugin, live in libpot_sdk, so an error caught after the plugin
    /// that threw it was unloaded is still valid.
    ~Error() override;
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

}  // namespace pot

/// Throws pot::Error of the given kind; message parts are concatenated.
#define POT_THROW(kind, ...) throw ::pot::Error(::pot::ErrorKind::kind, ::pot::str_cat(__VA_ARGS__))

/// Throws a Runtime pot::Error when `cond` is false; the message is only formatted on failure.
#define POT_CHECK(cond, ...)                \
    do {                                    \
        if (!(cond)) {                      \
            POT_THROW(Runtime, __VA_ARGS__); \
        }                                   \
    } while (false)

/// Like POT_CHECK with an explicit error kind.
#define POT_CHECK_KIND(kind, cond, ...) \
    do {                                \
        if (!(cond)) {                  \
            POT_THROW(kind, __VA_ARGS__); \
        }                               \
    } while (false)
