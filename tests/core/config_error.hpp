#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "pot/core/config.hpp"
#include "pot/error.hpp"

namespace pot::test {

/// The message of the Config error parsing `text` (as "cfg.json", paths against `base_dir`)
/// raises; a test failure when it raises none or another kind.
inline std::string config_error(const std::string& text, const std::filesystem::path& base_dir = "/base") {
    try {
        pot::core::parse_config(text, base_dir, "cfg.json");
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a config error for: " << text;
    return "";
}

}  // namespace pot::test
