#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/core/log.hpp"
#include "pot/core/registry.hpp"
#include "pot/core/session.hpp"
#include "metrics.hpp"

namespace pot::test {

/// Samples held in memory (one input each).
class VectorData final : public DataLoader {
public:
    explicit VectorData(std::vector<Tensor> inputs, std::vector<int64_t> labels = {})
        : inputs_(std::move(inputs)), labels_(std::move(labels)) {}
    size_t size() const override { return inputs_.size(); }
    Sample get(size_t index) const override {
        Sample s;
        s.index = index;
        s.inputs = {inputs_.at(index)};
        if (!labels_.empty()) s.annotation = Annotation::of_class(labels_.at(index));
        return s;
    }
    std::string describe() const override { return "in-memory samples"; }

private:
    std::vector<Tensor> inputs_;
    std::vector<int64_t> labels_;
};

/// `count` random samples shaped like `shape` (batch 1), from a fixed seed.
std::vector<Tensor> random_samples(size_t count, const Shape& shape, unsigned seed, float low = -1.0f,
                                   float high = 1.0f);

/// The project's built plugins loaded from the build tree, plus a Session to run algorithms in.
class PluginHost {
public:
    /// Loads every plugin of the build's plugin folder; `engine` names the engine to use.
    explicit PluginHost(const std::string& engine = "reference", const std::string& target_device = "CPU");

    core::Registry& registry() { return registry_; }
    Engine& engine() { return *engine_; }
    /// Creates `algorithm` with `params_json` and runs it on `graph` with `data` as calibration data.
    void run(const std::string& algorithm, const std::string& params_json, Graph& graph, const DataLoader& data);
    /// The metric the host's evaluation service scores with (agreement with the float model).
    Metric& metric() { return metric_; }
    /// Report sections of the last run().
    const nlohmann::json& reports() const { return last_reports_; }

    /// What the last run() handed over through pot::ResultServices: every checkpoint (whether it
    /// met its target, its summary), the target of the last one, and the result files.
    struct Checkpoint {
        bool meets_target = false;
        nlohmann::json summary;
    };
    const std::vector<Checkpoint>& checkpoints() const { return checkpoints_; }
    std::optional<bool> target_met() const { return target_met_; }
    const std::vector<std::pair<std::string, std::string>>& result_files() const { return result_files_; }

private:
    core::Registry registry_;
    std::unique_ptr<Engine> engine_;
    std::string target_device_;
    core::Logger logger_{LogLevel::Warning};
    metrics::SampleAgreement metric_{Params("{}")};
    nlohmann::json last_reports_;
    std::vector<Checkpoint> checkpoints_;
    std::optional<bool> target_met_;
    std::vector<std::pair<std::string, std::string>> result_files_;
};

}  // namespace pot::test
