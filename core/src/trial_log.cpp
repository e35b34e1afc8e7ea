#include "pot/core/trial_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include <unistd.h>

#include "pot/core/atomic_file.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

namespace fs = std::filesystem;

namespace {

constexpr int kFormatVersion = 1;
constexpr const char* kFormat = "pot-trial-log";

double finite_number(const nlohmann::json& j, const char* key, const std::string& where) {
    POT_CHECK_KIND(Input, j.contains(key) && j[key].is_number(), where, ": '", key, "' is missing or not a number");
    const double v = j[key].get<double>();
    POT_CHECK_KIND(Input, std::isfinite(v), where, ": '", key, "' is not finite");
    return v;
}

std::optional<double> optional_number(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    return finite_number(j, key, where);
}

std::map<std::string, std::string> string_map(const nlohmann::json& j, const char* key, const std::string& where) {
    POT_CHECK_KIND(Input, j.contains(key) && j[key].is_object(), where, ": '", key, "' is missing or not an object");
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : j[key].items()) {
        POT_CHECK_KIND(Input, v.is_string(), where, ": '", key, "/", k, "' is not a string");
        out[k] = v.get<std::string>();
    }
    return out;
}

}  // namespace

nlohmann::json TrialRecord::to_json() const {
    nlohmann::json j = {{"trial", trial.id},
                        {"choice", trial.choice},
                        {"metric", metric},
                        {"accuracy_loss", measurement.accuracy_loss},
                        {"latency_ms", latency_ms ? nlohmann::json(*latency_ms) : nlohmann::json()},
                        {"latency_ratio", measurement.latency_ratio},
                        {"quantized_ratio", measurement.quantized_ratio},
                        {"loss", loss},
                        {"seconds", seconds},
                        {"minutes_into_run", minutes_into_run}};
    if (repeat_of) j["repeat_of"] = *repeat_of;
    return j;
}

TrialRecord TrialRecord::from_json(const nlohmann::json& j, const std::string& where) {
    POT_CHECK_KIND(Input, j.is_object(), where, ": a trial must be a JSON object");
    TrialRecord r;
    POT_CHECK_KIND(Input, j.contains("trial") && j["trial"].is_number_integer(), where, ": 'trial' is missing or not an integer");
    r.trial.id = j["trial"].get<int64_t>();
    r.trial.choice = string_map(j, "choice", where);
    r.metric = finite_number(j, "metric", where);
    r.measurement.accuracy_loss = finite_number(j, "accuracy_loss", where);
    r.measurement.latency_ratio = finite_number(j, "latency_ratio", where);
    r.measurement.quantized_ratio = finite_number(j, "quantized_ratio", where);
    r.latency_ms = optional_number(j, "latency_ms", where);
    r.loss = finite_number(j, "loss", where);
    r.seconds = finite_number(j, "seconds", where);
    r.minutes_into_run = finite_number(j, "minutes_into_run", where);
    if (j.contains("repeat_of")) {
        POT_CHECK_KIND(Input, j["repeat_of"].is_number_unsigned(), where, ": 'repeat_of' is not a trial index");
        r.repeat_of = j["repeat_of"].get<size_t>();
    }
    return r;
}

nlohmann::json TrialLogHeader::to_json() const {
    nlohmann::json dims = nlohmann::json::array();
    for (const auto& d : space.dimensions) dims.push_back({{"name", d.name}, {"choices", d.choices}});
    return {{"format", kFormat},
            {"version", kFormatVersion},
            {"optimizer", optimizer},
            {"space", dims},
            {"metric", metric},
            {"fp32_metric", fp32_metric},
            {"fp32_latency_ms", fp32_latency_ms ? nlohmann::json(*fp32_latency_ms) : nlohmann::json()},
            {"eval_samples", eval_samples},
            {"scales", scales},
            {"fine_tuned_from", fine_tuned_from}};
}

TrialLogHeader TrialLogHeader::from_json(const nlohmann::json& j, const std::string& where) {
    // Type checks come before any get<>: a header edited by hand may hold anything in any field.
    POT_CHECK_KIND(Input, j.is_object() && j.contains("format") && j["format"].is_string() &&
                              j["format"].get<std::string>() == kFormat,
                   where, ": not a trial log (the first line must be its header)");
    POT_CHECK_KIND(Input, j.contains("version") && j["version"].is_number_integer(), where,
                   ": 'version' is missing or not an integer");
    POT_CHECK_KIND(Input, j["version"].get<int64_t>() == kFormatVersion, where, ": trial log version ",
                   j["version"].dump(), " is not supported (expected ", kFormatVersion, ")");
    TrialLogHeader h;
    POT_CHECK_KIND(Input, j.contains("optimizer") && j["optimizer"].is_string(), where, ": 'optimizer' is missing");
    h.optimizer = j["optimizer"].get<std::string>();
    POT_CHECK_KIND(Input, j.contains("space") && j["space"].is_array() && !j["space"].empty(), where,
                   ": 'space' is missing or empty");
    std::set<std::string> names;
    for (size_t i = 0; i < j["space"].size(); ++i) {
        const auto& d = j["space"][i];
        const std::string at = str_cat(where, ": space/", i);
        POT_CHECK_KIND(Input, d.is_object() && d.contains("name") && d["name"].is_string(), at, ": no name");
        SearchDimension dim;
        dim.name = d["name"].get<std::string>();
        POT_CHECK_KIND(Input, names.insert(dim.name).second, at, ": dimension '", dim.name, "' appears twice");
        POT_CHECK_KIND(Input, d.contains("choices") && d["choices"].is_array() && !d["choices"].empty(), at,
                       ": no choices");
        for (const auto& c : d["choices"]) {
            POT_CHECK_KIND(Input, c.is_string(), at, ": a choice is not a string");
            dim.choices.push_back(c.get<std::string>());
        }
        h.space.dimensions.push_back(std::move(dim));
    }
    POT_CHECK_KIND(Input, j.contains("metric") && j["metric"].is_string(), where, ": 'metric' is missing");
    h.metric = j["metric"].get<std::string>();
    h.fp32_metric = finite_number(j, "fp32_metric", where);
    h.fp32_latency_ms = optional_number(j, "fp32_latency_ms", where);
    POT_CHECK_KIND(Input, j.contains("eval_samples") && j["eval_samples"].is_number_unsigned(), where,
                   ": 'eval_samples' is missing");
    h.eval_samples = j["eval_samples"].get<size_t>();
    POT_CHECK_KIND(Input, j.contains("scales") && j["scales"].is_object(), where, ": 'scales' is missing");
    h.scales = j["scales"];
    h.fine_tuned_from = j.value("fine_tuned_from", nlohmann::json());
    return h;
}

TrialLog::TrialLog(const fs::path& file, const TrialLogHeader& header) : file_(file) {
    write_file_atomically(file_, header.to_json().dump() + "\n");
    out_ = std::fopen(file_.c_str(), "ab");
    POT_CHECK(out_, file_.string(), ": cannot open the trial log for appending: ", std::strerror(errno));
}

TrialLog::TrialLog(const fs::path& file) : file_(file) {
    out_ = std::fopen(file_.c_str(), "ab");
    POT_CHECK(out_, file_.string(), ": cannot open the trial log for appending: ", std::strerror(errno));
}

TrialLog::~TrialLog() {
    if (out_) std::fclose(out_);
}

void TrialLog::append(const TrialRecord& record) { write_line(record.to_json()); }

void TrialLog::write_line(const nlohmann::json& j) {
    const std::string line = j.dump() + "\n";
    const bool ok = std::fwrite(line.data(), 1, line.size(), out_) == line.size() && std::fflush(out_) == 0 &&
                    ::fsync(fileno(out_)) == 0;
    POT_CHECK(ok, file_.string(), ": cannot write the trial log: ", std::strerror(errno));
}

TrialLog::Content TrialLog::read(const fs::path& file) {
    return parse(read_file_bounded(file, kMaxBytes, "trial log"), file.string());
}

TrialLog::Content TrialLog::parse(const std::string& text, const std::string& origin) {
    Content content;
    size_t begin = 0, line_number = 0;
    bool have_header = false;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        const bool complete = end != std::string::npos;
        if (!complete) end = text.size();
        const std::string line = text.substr(begin, end - begin);
        begin = end + 1;
        ++line_number;
        if (line.empty()) continue;
        const std::string where = str_cat(origin, ":", line_number);
        nlohmann::json j;
        try {
            j = parse_json(line, where, ErrorKind::Input);
        } catch (const Error&) {
            // Only the last line can be cut short by a run that was killed while writing it.
            if (!complete && have_header) {
                content.truncated_tail = true;
                break;
            }
            throw;
        }
        if (!have_header) {
            content.header = TrialLogHeader::from_json(j, where);
            have_header = true;
            continue;
        }
        TrialRecord r = TrialRecord::from_json(j, where);
        for (const auto& d : content.header.space.dimensions) {
            auto it = r.trial.choice.find(d.name);
            POT_CHECK_KIND(Input, it != r.trial.choice.end(), where, ": trial has no choice for '", d.name, "'");
            POT_CHECK_KIND(Input, std::find(d.choices.begin(), d.choices.end(), it->second) != d.choices.end(),
                           where, ": '", it->second, "' is not a choice of '", d.name, "'");
        }
        POT_CHECK_KIND(Input, r.trial.choice.size() == content.header.space.dimensions.size(), where,
                       ": trial has choices for dimensions the search space does not have");
        content.trials.push_back(std::move(r));
    }
    POT_CHECK_KIND(Input, have_header, origin, ": the trial log is empty");
    return content;
}

}  // namespace pot::core
