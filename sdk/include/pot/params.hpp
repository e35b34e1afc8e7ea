#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/error.hpp"
#include "pot/json_parse.hpp"
#include "pot/text.hpp"

namespace pot {

/// Typed, path-aware reads of a JSON object of parameters. Every failure is a Config error that
/// names the JSON path. Header-only: each plugin parses with its own copy of nlohmann_json, so no
/// JSON type crosses a library boundary.
/// @since ABI 2.0
class Params {
public:
    /// Parses `json_text`; `path` is where the object sits in the config (e.g.
    /// "/compression/algorithms/0/params"), used in messages. Nesting deeper than kJsonMaxDepth
    /// is a Config error.
    explicit Params(const std::string& json_text, std::string path = "params")
        : path_(std::move(path)) {
        json_ = parse_json(json_text, path_, ErrorKind::Config);
        if (json_.is_null()) json_ = nlohmann::json::object();
        POT_CHECK_KIND(Config, json_.is_object(), path_, ": expected a JSON object, got ",
                       json_.type_name());
    }
    Params(const char* json_text, std::string path = "params")
        : Params(std::string(json_text ? json_text : "{}"), std::move(path)) {}
    Params(nlohmann::json json, std::string path) : json_(std::move(json)), path_(std::move(path)) {
        if (json_.is_null()) json_ = nlohmann::json::object();
        POT_CHECK_KIND(Config, json_.is_object(), path_, ": expected a JSON object, got ",
                       json_.type_name());
    }

    const std::string& path() const { return path_; }
    const nlohmann::json& json() const { return json_; }
    /// True when `key` is present (and not null). Asking marks the key as known.
    bool has(const std::string& key) const { return find(key) != nullptr; }

    int64_t get_int(const std::string& key, int64_t fallback) const {
        const auto* v = find(key);
        if (!v) return fallback;
        POT_CHECK_KIND(Config, v->is_number_integer(), where(key), ": expected an integer, got ",
                       v->dump());
        return v->get<int64_t>();
    }
    double get_double(const std::string& key, double fallback) const {
        const auto* v = find(key);
        if (!v) return fallback;
        POT_CHECK_KIND(Config, v->is_number(), where(key), ": expected a number, got ", v->dump());
        return v->get<double>();
    }
    bool get_bool(const std::string& key, bool fallback) const {
        const auto* v = find(key);
        if (!v) return fallback;
        POT_CHECK_KIND(Config, v->is_boolean(), where(key), ": expected true or false, got ",
                       v->dump());
        return v->get<bool>();
    }
    std::string get_string(const std::string& key, const std::string& fallback) const {
        const auto* v = find(key);
        if (!v) return fallback;
        POT_CHECK_KIND(Config, v->is_string(), where(key), ": expected a string, got ", v->dump());
        return v->get<std::string>();
    }
    /// A string or a list of strings.
    std::vector<std::string> get_strings(const std::string& key) const {
        const auto* v = find(key);
        if (!v) return {};
        if (v->is_string()) return {v->get<std::string>()};
        POT_CHECK_KIND(Config, v->is_array(), where(key), ": expected a list of strings, got ",
                       v->dump());
        std::vector<std::string> out;
        for (size_t i = 0; i < v->size(); ++i) {
            POT_CHECK_KIND(Config, (*v)[i].is_string(), where(key), "/", i,
                           ": expected a string, got ", (*v)[i].dump());
            out.push_back((*v)[i].get<std::string>());
        }
        return out;
    }
    /// One of `choices` (name -> value); an unknown name is an error listing the valid ones.
    template <typename E>
    E get_enum(const std::string& key, E fallback,
               const std::vector<std::pair<std::string, E>>& choices) const {
        const auto* v = find(key);
        if (!v) return fallback;
        std::vector<std::string> names;
        for (const auto& c : choices) names.push_back(c.first);
        POT_CHECK_KIND(Config, v->is_string(), where(key), ": expected one of ", join(names),
                       ", got ", v->dump());
        const auto text = v->get<std::string>();
        for (const auto& c : choices)
            if (c.first == text) return c.second;
        POT_THROW(Config, where(key), ": unknown value '", text, "'", did_you_mean(text, names),
                  "; valid values: ", join(names));
    }
    /// The object under `key` (empty when absent).
    Params child(const std::string& key) const {
        const auto* v = find(key);
        return Params(v ? *v : nlohmann::json::object(), where(key));
    }

    /// Throws one error naming every key never read through this object, each with the nearest
    /// read key as a hint.
    void reject_unknown(const std::vector<std::string>& also_known = {}) const {
        std::vector<std::string> known(used_.begin(), used_.end());
        known.insert(known.end(), also_known.begin(), also_known.end());
        std::string message;
        for (const auto& item : json_.items()) {
            if (used_.count(item.key()) || std::count(also_known.begin(), also_known.end(), item.key()))
                continue;
            message += str_cat(message.empty() ? "" : "; ", where(item.key()), ": unknown parameter '",
                               item.key(), "'", did_you_mean(item.key(), known));
        }
        if (!message.empty()) throw Error(ErrorKind::Config, message);
    }

    /// Marks `key` as known without reading it.
    void accept(const std::string& key) const { used_.insert(key); }

private:
    const nlohmann::json* find(const std::string& key) const {
        used_.insert(key);
        auto it = json_.find(key);
        return it == json_.end() || it->is_null() ? nullptr : &*it;
    }
    std::string where(const std::string& key) const { return path_ + "/" + key; }
    static std::string join(const std::vector<std::string>& names) {
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
        return out;
    }

    nlohmann::json json_;
    std::string path_;
    mutable std::set<std::string> used_;
};

}  // namespace pot
