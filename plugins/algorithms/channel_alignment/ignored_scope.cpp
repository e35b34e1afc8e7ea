#include "ignored_scope.hpp"

#include <algorithm>

namespace pot::channel_alignment {

IgnoredScope::IgnoredScope(const Params& params) : names_(params.get_strings("scope")) {
    for (const auto& p : params.get_strings("scope_regex")) {
        try {
            patterns_.emplace_back(p);
        } catch (const std::regex_error& e) {
            POT_THROW(Config, params.path(), "/scope_regex: invalid regular expression '", p,
                      "': ", e.what());
        }
    }
    // POT writes operations as [{"type": "Conv"}, ...]; plain strings are accepted too.
    if (params.has("operations")) {
        const auto& list = params.json().at("operations");
        POT_CHECK_KIND(Config, list.is_array(), params.path(), "/operations: expected a list");
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i].is_string()) {
                types_.push_back(list[i].get<std::string>());
                continue;
            }
            const Params op(list[i], str_cat(params.path(), "/operations/", i));
            types_.push_back(op.get_string("type", ""));
            POT_CHECK_KIND(Config, !types_.back().empty(), op.path(), "/type: required");
            op.reject_unknown();
        }
    }
    params.reject_unknown();
}

bool IgnoredScope::matches(const Node& node) const {
    if (std::find(names_.begin(), names_.end(), node.name) != names_.end()) return true;
    if (std::find(types_.begin(), types_.end(), node.op_type) != types_.end()) return true;
    return std::any_of(patterns_.begin(), patterns_.end(),
                       [&](const std::regex& r) { return std::regex_match(node.name, r); });
}

}  // namespace pot::channel_alignment
