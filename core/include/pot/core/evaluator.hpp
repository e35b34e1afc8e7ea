#pragma once

#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "pot/core/metrics.hpp"
#include "pot/data.hpp"
#include "pot/engine.hpp"
#include "pot/evaluation.hpp"
#include "pot/graph.hpp"

namespace pot::core {

/// The float model and a quantized one on the same samples.
struct Comparison {
    EvaluationResult fp32, int8;
    /// Metrics scored against annotations: samples the quantized model scores higher and lower.
    std::optional<OutcomeChanges> changes;
    /// Metrics scored against the float model: mean cosine similarity of output 0 with it.
    std::optional<double> mean_cosine;

    /// How much worse the quantized model is, in the metric's units (positive: worse).
    double drop() const;
};

/// Evaluates models on one data set with one metric. The float model is compiled once; its
/// results are kept per sample set and, for metrics that compare with it, its outputs per sample
/// (within kReferenceCacheBytes; beyond that they are computed again), so evaluating many
/// candidates costs about one float pass.
///
/// Not thread-safe: one caller at a time.
class Evaluator {
public:
    /// Float outputs kept for metrics that compare with the float model.
    static constexpr size_t kReferenceCacheBytes = size_t{1} << 30;

    /// Every reference must outlive the evaluator; `progress` may be null.
    Evaluator(Engine& engine, const DataLoader& data, const Graph& float_model, Metric& metric,
              Progress* progress = nullptr);
    ~Evaluator();

    const DataLoader& data() const { return data_; }
    const Graph& float_model() const { return float_model_; }
    Metric& metric() { return metric_; }

    /// `graph` on samples `indices` of data() (all when empty), in that order.
    EvaluationResult evaluate(const Graph& graph, const std::vector<size_t>& indices = {});
    /// The same, and with `timing` also the latency of `graph`, from one compilation.
    std::pair<EvaluationResult, std::optional<BenchmarkResult>> evaluate_and_time(
        const Graph& graph, const std::vector<size_t>& indices, const BenchmarkOptions* timing);
    /// The float model on `indices` (for metrics that compare with it: against itself).
    EvaluationResult evaluate_float(const std::vector<size_t>& indices = {});
    /// The float model and `graph` on `indices`.
    Comparison compare(const Graph& graph, const std::vector<size_t>& indices = {});
    /// Latency of `graph` on the engine.
    BenchmarkResult latency(const Graph& graph, const BenchmarkOptions& options);
    /// From now on every evaluation throws pot::Error(Config) with `why` (the data cannot be
    /// scored as configured); latency() still works.
    void refuse_scoring(std::string why) { refusal_ = std::move(why); }

private:
    std::vector<size_t> resolve(const std::vector<size_t>& indices) const;
    CompiledModel& float_compiled();
    /// The float model's outputs for `sample`: kept ones, or computed into `scratch` when the
    /// cache is full. Valid until the next call.
    const std::vector<Tensor>& reference_outputs(const Sample& sample);
    /// Runs `model` over `indices` into the metric; with `cosine`, also sums the cosine of output 0
    /// with the float model's.
    EvaluationResult run(CompiledModel& model, const std::vector<size_t>& indices, double* cosine = nullptr);

    Engine& engine_;
    const DataLoader& data_;
    const Graph& float_model_;
    Metric& metric_;
    Progress* progress_;
    std::string refusal_;
    std::unique_ptr<CompiledModel> float_compiled_;
    std::map<std::vector<size_t>, EvaluationResult> float_results_;
    std::map<size_t, std::vector<Tensor>> reference_;
    size_t reference_bytes_ = 0;
    std::vector<Tensor> scratch_;  // float outputs beyond the cache
};

/// The metric a job uses when the config names none: "accuracy" when the first sample of `data`
/// carries a class index, "agreement" (with the float model) otherwise.
const char* default_metric_type(const DataLoader& data);

}  // namespace pot::core
