#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/error.hpp"

namespace pot {

/// Deepest nesting of objects and arrays accepted in JSON text read from a file or a plugin.
/// @since ABI 2.0
constexpr int kJsonMaxDepth = 64;

/// Parses `text` (comments allowed). Nesting deeper than `max_depth` objects and arrays is
/// refused while parsing, before the deep part is built, so neither the parse nor a later copy
/// or dump of the result can exhaust the stack. Failures throw pot::Error(`kind`):
/// "<origin>: invalid JSON: ..." or "<origin>: JSON nested deeper than 64 levels at /a/0/b".
/// Header-only: each library parses with its own copy of nlohmann_json.
/// @since ABI 2.0
inline nlohmann::json parse_json(const std::string& text, const std::string& origin, ErrorKind kind,
                                 int max_depth = kJsonMaxDepth) {
    struct Level {
        bool is_array = false;
        size_t index = 0;  // of the element being parsed, in an array
        std::string key;   // of the member being parsed, in an object
    };
    std::vector<Level> levels;
    auto path = [&] {
        std::string out;
        for (const auto& level : levels) {
            out += '/';
            if (level.is_array) {
                out += std::to_string(level.index);
                continue;
            }
            for (char c : level.key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
        }
        return out.empty() ? std::string("/") : out;
    };
    auto element_done = [&] {
        if (!levels.empty() && levels.back().is_array) ++levels.back().index;
    };
    using Event = nlohmann::json::parse_event_t;
    const nlohmann::json::parser_callback_t check = [&](int depth, Event event, nlohmann::json& parsed) {
        switch (event) {
            case Event::object_start:
            case Event::array_start:
                if (depth >= max_depth)
                    throw Error(kind, str_cat(origin, ": JSON nested deeper than ", max_depth,
                                              " levels at ", path(), "; flatten the structure"));
                levels.push_back(Level{event == Event::array_start, 0, {}});
                break;
            case Event::key:
                levels.back().key = parsed.get<std::string>();
                break;
            case Event::object_end:
            case Event::array_end:
                levels.pop_back();
                element_done();
                break;
            case Event::value:
                element_done();
                break;
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text, check, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const nlohmann::json::exception& e) {
        throw Error(kind, str_cat(origin, ": invalid JSON: ", e.what()));
    }
}

}  // namespace pot
