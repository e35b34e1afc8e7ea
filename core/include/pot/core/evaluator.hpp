#pragma once

#include <map>
#include <memory>
#include <optional>
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
    /// Labelled data: predictions the quantized model fixed and broke.
    std::optional<OutcomeChanges> changes;
    /// Unlabelled data: mean cosine similarity of output 0 with the float model's.
    std::optional<double> mean_cosine;

    /// fp32.value - int8.value for a metric where higher is better, the reverse otherwise: how
    /// much worse the quantized model is, in the metric's units.
    double drop() const;
};

/// Evaluates models on one data set with one metric: top-1 accuracy when the samples are
/// labelled, top-1 agreement with the float model otherwise (the float model then scores 100 by
/// definition). The float model is compiled once, and its results (or outputs) are kept per
/// sample, so evaluating many candidates costs one float pass.
///
/// Not thread-safe: one caller at a time.
class Evaluator {
public:
    /// `engine`, `data` and `float_model` must outlive the evaluator. `progress` may be null.
    Evaluator(Engine& engine, const DataLoader& data, const Graph& float_model, Progress* progress = nullptr);
    ~Evaluator();

    bool labelled() const { return labelled_; }
    const DataLoader& data() const { return data_; }
    const Graph& float_model() const { return float_model_; }
    Engine& engine() { return engine_; }

    /// `graph` on samples `indices` of data() (all when empty), in that order.
    EvaluationResult evaluate(const Graph& graph, const std::vector<size_t>& indices = {});
    /// The float model on `indices`.
    EvaluationResult evaluate_float(const std::vector<size_t>& indices = {});
    /// The float model and `graph` on `indices`.
    Comparison compare(const Graph& graph, const std::vector<size_t>& indices = {});
    /// Latency of `graph` on the engine.
    BenchmarkResult latency(const Graph& graph, const BenchmarkOptions& options);

private:
    std::vector<size_t> resolve(const std::vector<size_t>& indices) const;
    /// Float outputs of every sample of `indices`, computing the ones not kept yet.
    const ReferenceOutputs& reference(const std::vector<size_t>& indices);
    CompiledModel& float_compiled();
    EvaluationResult run(CompiledModel& model, Metric& metric, const std::vector<size_t>& indices);

    Engine& engine_;
    const DataLoader& data_;
    const Graph& float_model_;
    Progress* progress_;
    bool labelled_;
    std::unique_ptr<CompiledModel> float_compiled_;
    std::map<std::vector<size_t>, EvaluationResult> float_results_;
    ReferenceOutputs reference_;
};

}  // namespace pot::core
