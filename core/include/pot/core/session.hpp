#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/algorithm.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/statistics_cache.hpp"
#include "pot/result_services.hpp"
#include "pot/search_services.hpp"

namespace pot::core {

class Registry;

/// Which calibration samples statistics are collected on.
struct SampleSelection {
    size_t subset_size = 300;  ///< 0: all
    bool shuffle = false;
    uint64_t seed = 0;
};

/// The host side of a quantization run: the engine, the calibration data, the sample selection,
/// the evaluation service and the report sections algorithms add. Algorithms see it as
/// pot::HostServices, as pot::SearchServices once offer_search() gave it a registry, and as
/// pot::ResultServices.
class Session final : public HostServices, public SearchServices, public ResultServices {
public:
    /// Every reference must outlive the session; `progress` may be null.
    Session(Engine& engine, const DataLoader& data, Evaluator& evaluator, std::string target_device,
            Logger& logger, Progress* progress);

    Engine& engine() override { return engine_; }
    const DataLoader& data() override { return data_; }
    Statistics collect(const Graph& graph, const std::vector<StatisticRequest>& requests,
                       size_t subset_size) override;
    std::string target_device() const override { return target_device_; }
    void log(LogLevel level, const std::string& message) override {
        if (!log_muted_) logger_.log(level, message);
    }
    /// While muted, log() drops what algorithms say (the pipeline asking a stage for its
    /// statistics ahead of time, see Pipeline::run()). Returns the previous setting.
    bool mute_log(bool muted) { return std::exchange(log_muted_, muted); }
    void report(const std::string& algorithm, const std::string& key,
                const std::string& json_text) override;
    const Graph& float_model() override { return evaluator_.float_model(); }
    const DataLoader& evaluation_data() override { return evaluator_.data(); }
    EvaluationResult evaluate(const Graph& graph, const std::vector<size_t>& indices) override {
        return evaluator_.evaluate(graph, indices);
    }
    BenchmarkResult latency(const Graph& graph, const BenchmarkOptions& options) override {
        return evaluator_.latency(graph, options);
    }

    /// Runs `algorithms` made from `registry` (see offer_search()) on a copy of `graph`.
    Graph run_algorithms(const Graph& graph, const std::vector<AlgorithmSpec>& algorithms,
                         const std::string& where) override;
    bool stop_requested() override { return stop_source_ && stop_source_(); }
    std::optional<double> float_baseline() override { return float_baseline_; }

    /// Passes the model and the parsed summary to the sink set by on_checkpoint() (none: only
    /// target_met() changes).
    void checkpoint(const Graph& model, bool meets_target, const std::string& summary_json) override;
    /// Keeps the file for the job to write with its results (see result_files()).
    void add_result_file(const std::string& name, const std::string& bytes) override;

    using CheckpointSink = std::function<void(const Graph& model, bool meets_target, const nlohmann::json& summary)>;
    /// Where checkpoint() saves models; `reserved` are the file names the job writes itself, which
    /// add_result_file() refuses.
    void on_checkpoint(CheckpointSink sink) { checkpoint_sink_ = std::move(sink); }
    void reserve_result_names(std::vector<std::string> reserved) { reserved_names_ = std::move(reserved); }
    /// Whether the last checkpoint met its target; nullopt when no algorithm made one.
    std::optional<bool> target_met() const { return target_met_; }
    /// Files algorithms added, in order: name and content.
    const std::vector<std::pair<std::string, std::string>>& result_files() const { return result_files_; }

    /// Statistics are looked up in / added to `cache`, a file kept between runs (null: only
    /// run_algorithms() calls reuse what earlier ones collected).
    void use_cache(StatisticsCache* cache) { cache_ = cache; }
    /// With `on`, statistics are also kept in memory between collect() calls (a tuning run
    /// quantizes many times; stages its choices do not change collect once). Off forgets them.
    void memoize_statistics(bool on) {
        memoize_ = on;
        if (!on && nesting_ == 0) memo_ = StatisticsCache();
    }

    /// Lets algorithms run other algorithms (SearchServices::run_algorithms) made from
    /// `registry`, which must outlive the session; `stop_source` answers stop_requested() (null:
    /// never), and is called for the first time when an algorithm first asks; `float_baseline`
    /// is the configured metric value of the float model, if any.
    void offer_search(const Registry& registry, std::function<bool()> stop_source,
                      std::optional<double> float_baseline = std::nullopt) {
        registry_ = &registry;
        stop_source_ = std::move(stop_source);
        float_baseline_ = float_baseline;
    }

    /// Where in the config the algorithm being applied was configured ("/compression/algorithms/0");
    /// a relative `where` given to run_algorithms() is resolved against it. The pipeline sets it.
    void set_current_path(std::string path) { current_path_ = std::move(path); }

    /// Sets how later collect() calls pick samples (the pipeline sets it per stage).
    void select_samples(const SampleSelection& selection) { selection_ = selection; }
    /// Indices of the samples collect() uses for `subset_size` (0: all), in a deterministic order.
    std::vector<size_t> sample_indices(size_t subset_size) const;
    /// Sections added by report(), keyed by algorithm then key.
    const nlohmann::json& algorithm_reports() const { return reports_; }

private:
    Engine& engine_;
    const DataLoader& data_;
    Evaluator& evaluator_;
    std::string target_device_;
    Logger& logger_;
    bool log_muted_ = false;
    Progress* progress_;
    SampleSelection selection_;
    StatisticsCache* cache_ = nullptr;
    StatisticsCache memo_;  ///< statistics of nested runs, when cache_ is null
    const Registry* registry_ = nullptr;
    std::function<bool()> stop_source_;
    std::optional<double> float_baseline_;
    int nesting_ = 0;  ///< run_algorithms() calls under way
    bool memoize_ = false;
    std::string current_path_;
    nlohmann::json reports_ = nlohmann::json::object();
    CheckpointSink checkpoint_sink_;
    std::optional<bool> target_met_;
    std::vector<std::string> reserved_names_;
    std::vector<std::pair<std::string, std::string>> result_files_;
};

}  // namespace pot::core
