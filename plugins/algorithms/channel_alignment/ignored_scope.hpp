#pragma once

#include <regex>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/params.hpp"

namespace pot::channel_alignment {

/// Nodes left untouched: by exact name, by name regular expression, or by op type. Same keys and
/// meaning as MinMaxQuantization's "ignored" section, so DefaultQuantization passes it to both.
class IgnoredScope {
public:
    IgnoredScope() = default;
    /// Reads {"scope": [...], "scope_regex": [...], "operations": [{"type": "Conv"}, ...]} and
    /// rejects unknown keys; errors name the JSON path.
    explicit IgnoredScope(const Params& params);

    bool matches(const Node& node) const;

private:
    std::vector<std::string> names_;
    std::vector<std::regex> patterns_;
    std::vector<std::string> types_;
};

}  // namespace pot::channel_alignment
