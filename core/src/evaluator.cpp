#include "pot/core/evaluator.hpp"

#include <numeric>

#include "pot/error.hpp"

namespace pot::core {

double Comparison::drop() const {
    return fp32.higher_is_better ? fp32.value - int8.value : int8.value - fp32.value;
}

Evaluator::Evaluator(Engine& engine, const DataLoader& data, const Graph& float_model, Progress* progress)
    : engine_(engine), data_(data), float_model_(float_model), progress_(progress),
      labelled_(data.size() > 0 && data.get(0).label.has_value()) {}

Evaluator::~Evaluator() = default;

std::vector<size_t> Evaluator::resolve(const std::vector<size_t>& indices) const {
    if (!indices.empty()) {
        for (size_t i : indices)
            POT_CHECK(i < data_.size(), "evaluation sample ", i, " does not exist: ", data_.describe(),
                      " has ", data_.size(), " samples");
        return indices;
    }
    std::vector<size_t> all(data_.size());
    std::iota(all.begin(), all.end(), size_t{0});
    return all;
}

CompiledModel& Evaluator::float_compiled() {
    if (!float_compiled_) float_compiled_ = engine_.compile(float_model_);
    return *float_compiled_;
}

EvaluationResult Evaluator::run(CompiledModel& model, Metric& metric, const std::vector<size_t>& indices) {
    EvaluationResult r;
    r.value = engine_.evaluate(model, data_, metric, indices, progress_);
    r.metric = metric.name();
    r.higher_is_better = metric.higher_is_better();
    r.indices = indices;
    r.per_sample = metric.per_sample();
    POT_CHECK(r.per_sample.size() == indices.size(), "metric ", r.metric, " scored ", r.per_sample.size(),
              " samples of ", indices.size());
    return r;
}

const ReferenceOutputs& Evaluator::reference(const std::vector<size_t>& indices) {
    std::vector<size_t> missing;
    for (size_t i : indices)
        if (!reference_.find(i)) missing.push_back(i);
    if (!missing.empty()) {
        ReferenceOutputs computed;
        engine_.evaluate(float_compiled(), data_, computed, missing, progress_);
        reference_.absorb(std::move(computed));
    }
    return reference_;
}

EvaluationResult Evaluator::evaluate_float(const std::vector<size_t>& indices) {
    const auto order = resolve(indices);
    if (auto it = float_results_.find(order); it != float_results_.end()) return it->second;
    EvaluationResult r;
    if (labelled_) {
        Top1Accuracy accuracy;
        r = run(float_compiled(), accuracy, order);
    } else {
        // Agreement of the float model with itself: every sample agrees.
        r.metric = Top1Agreement(reference_).name();
        r.value = 100.0;
        r.indices = order;
        r.per_sample.assign(order.size(), 1.0);
    }
    return float_results_[order] = r;
}

EvaluationResult Evaluator::evaluate(const Graph& graph, const std::vector<size_t>& indices) {
    const auto order = resolve(indices);
    auto model = engine_.compile(graph);
    if (labelled_) {
        Top1Accuracy accuracy;
        return run(*model, accuracy, order);
    }
    Top1Agreement agreement(reference(order));
    return run(*model, agreement, order);
}

Comparison Evaluator::compare(const Graph& graph, const std::vector<size_t>& indices) {
    const auto order = resolve(indices);
    Comparison c;
    c.fp32 = evaluate_float(order);
    auto model = engine_.compile(graph);
    if (labelled_) {
        Top1Accuracy accuracy;
        c.int8 = run(*model, accuracy, order);
        std::vector<std::pair<size_t, bool>> fp32_outcomes;
        for (size_t k = 0; k < order.size(); ++k) fp32_outcomes.emplace_back(order[k], c.fp32.per_sample[k] > 0.5);
        c.changes = compare_outcomes(fp32_outcomes, accuracy.outcomes());
    } else {
        Top1Agreement agreement(reference(order));
        c.int8 = run(*model, agreement, order);
        c.mean_cosine = agreement.mean_cosine();
    }
    return c;
}

BenchmarkResult Evaluator::latency(const Graph& graph, const BenchmarkOptions& options) {
    auto model = engine_.compile(graph);
    return engine_.benchmark(*model, options);
}

}  // namespace pot::core
