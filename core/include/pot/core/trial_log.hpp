#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/core/tuning_objective.hpp"
#include "pot/optimizer.hpp"

namespace pot::core {

/// One scored trial.
struct TrialRecord {
    Trial trial;
    double metric = 0;                  ///< the metric's value on the evaluation subset
    TrialMeasurement measurement;
    std::optional<double> latency_ms;   ///< median latency, when measured
    double loss = 0;                    ///< TuningObjective::loss (lower is better)
    double seconds = 0;                 ///< time the trial took
    double minutes_into_run = 0;
    std::optional<size_t> repeat_of;    ///< an earlier trial with the same choices, reused as is

    nlohmann::json to_json() const;
    /// Reads to_json(); throws pot::Error(Input) naming `where` on a malformed record.
    static TrialRecord from_json(const nlohmann::json& j, const std::string& where);
};

/// What every trial of a log is measured against: written once, first.
struct TrialLogHeader {
    std::string optimizer;
    SearchSpace space;
    std::string metric;
    double fp32_metric = 0;
    std::optional<double> fp32_latency_ms;
    size_t eval_samples = 0;
    nlohmann::json scales;           ///< TuningObjective::scales()
    nlohmann::json fine_tuned_from;  ///< the earlier best trial a fine_tune run started from (null: none)

    nlohmann::json to_json() const;
    static TrialLogHeader from_json(const nlohmann::json& j, const std::string& where);
};

/// A trial log: the header and every trial, one JSON object per line, so that a run can be
/// resumed (warm_start), refined (fine_tune) or replayed (eval). Each line is flushed to disk as
/// it is written; a run killed mid-line leaves a last line that read() skips.
class TrialLog {
public:
    static constexpr uintmax_t kMaxBytes = uintmax_t{256} << 20;

    /// Starts `file` afresh with `header` (replacing any earlier log atomically).
    TrialLog(const std::filesystem::path& file, const TrialLogHeader& header);
    /// Continues `file`, whose content read() returned.
    explicit TrialLog(const std::filesystem::path& file);
    ~TrialLog();
    TrialLog(const TrialLog&) = delete;
    TrialLog& operator=(const TrialLog&) = delete;

    void append(const TrialRecord& record);
    const std::filesystem::path& file() const { return file_; }

    struct Content {
        TrialLogHeader header;
        std::vector<TrialRecord> trials;
        bool truncated_tail = false;  ///< the last line was cut short and was skipped
    };
    /// Reads a log; every choice must be one of the header's space. Errors are pot::Error(Input)
    /// naming the file and line.
    static Content read(const std::filesystem::path& file);
    /// The same from the text of a log; `origin` names it in messages.
    static Content parse(const std::string& text, const std::string& origin);

private:
    void write_line(const nlohmann::json& j);

    std::filesystem::path file_;
    std::FILE* out_ = nullptr;
};

}  // namespace pot::core
