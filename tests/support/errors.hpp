#pragma once

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "pot/error.hpp"

namespace pot::test {

/// The message of the pot::Error `f` throws; records a test failure (and returns "") when it
/// throws nothing.
inline std::string error_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no pot::Error was thrown";
    return "";
}

}  // namespace pot::test
