#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/algorithm.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/statistics_cache.hpp"

namespace pot::core {

/// Which calibration samples statistics are collected on.
struct SampleSelection {
    size_t subset_size = 300;  ///< 0: all
    bool shuffle = false;
    uint64_t seed = 0;
};

/// The host side of a quantization run: the engine, the calibration data, the sample selection,
/// the evaluation service and the report sections algorithms add. Algorithms see it as
/// pot::HostServices.
class Session final : public HostServices {
public:
    /// Every reference must outlive the session; `progress` may be null.
    Session(Engine& engine, const DataLoader& data, Evaluator& evaluator, std::string target_device,
            Logger& logger, Progress* progress);

    Engine& engine() override { return engine_; }
    const DataLoader& data() override { return data_; }
    Statistics collect(const Graph& graph, const std::vector<StatisticRequest>& requests,
                       size_t subset_size) override;
    std::string target_device() const override { return target_device_; }
    void log(LogLevel level, const std::string& message) override { logger_.log(level, message); }
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

    /// Statistics are looked up in / added to `cache` (may be null: always collect).
    void use_cache(StatisticsCache* cache) { cache_ = cache; }

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
    Progress* progress_;
    SampleSelection selection_;
    StatisticsCache* cache_ = nullptr;
    nlohmann::json reports_ = nlohmann::json::object();
};

}  // namespace pot::core
