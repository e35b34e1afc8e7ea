#include "pot/core/evaluator.hpp"

#include "pot/error.hpp"
#include "pot/sample_reader.hpp"
#include "pot/similarity.hpp"

namespace pot::core {

double Comparison::drop() const {
    return fp32.higher_is_better ? fp32.value - int8.value : int8.value - fp32.value;
}

const char* default_metric_type(const DataLoader& data) {
    return data.size() > 0 && data.get(0).class_index() ? "accuracy" : "agreement";
}

Evaluator::Evaluator(Engine& engine, const DataLoader& data, const Graph& float_model, Metric& metric,
                     Progress* progress)
    : engine_(engine), data_(data), float_model_(float_model), metric_(metric), progress_(progress) {}

Evaluator::~Evaluator() = default;

std::vector<size_t> Evaluator::resolve(const std::vector<size_t>& indices) const {
    for (size_t i : indices)
        POT_CHECK(i < data_.size(), "evaluation sample ", i, " does not exist: ", data_.describe(), " has ",
                  data_.size(), " samples");
    return all_indices(data_, indices);
}

CompiledModel& Evaluator::float_compiled() {
    if (!float_compiled_) float_compiled_ = engine_.compile(float_model_);
    return *float_compiled_;
}

const std::vector<Tensor>& Evaluator::reference_outputs(const Sample& sample) {
    if (auto it = reference_.find(sample.index); it != reference_.end()) return it->second;
    auto outputs = float_compiled().infer(sample.inputs);
    size_t bytes = 0;
    for (const auto& t : outputs) bytes += t.byte_size();
    if (reference_bytes_ + bytes > kReferenceCacheBytes) return scratch_ = std::move(outputs);
    reference_bytes_ += bytes;
    return reference_.emplace(sample.index, std::move(outputs)).first->second;
}

EvaluationResult Evaluator::run(CompiledModel& model, const std::vector<size_t>& indices, double* cosine) {
    POT_CHECK_KIND(Config, refusal_.empty(), refusal_);
    const bool referenced = metric_.needs_reference();
    // The float model compared with itself: its outputs are the reference, computed once.
    const bool self = referenced && &model == float_compiled_.get();
    const std::vector<Tensor> none;
    metric_.reset();
    if (progress_) progress_->start("evaluation", indices.size());
    SampleReader reader(data_, indices);
    for (size_t i = 0; i < indices.size(); ++i) {
        const Sample& sample = reader.next();
        const std::vector<Tensor>& reference = referenced ? reference_outputs(sample) : none;
        std::vector<Tensor> computed;
        if (!self) computed = model.infer(sample.inputs);
        const std::vector<Tensor>& outputs = self ? reference : computed;
        metric_.update(outputs, reference, sample);
        if (cosine && !outputs.empty() && !reference.empty())
            *cosine += Similarity::of(outputs[0].to_floats(), reference[0].to_floats()).cosine();
        if (progress_) progress_->advance(i + 1);
    }
    if (progress_) progress_->finish();
    EvaluationResult r;
    r.value = metric_.value();
    r.metric = metric_.name();
    r.higher_is_better = metric_.higher_is_better();
    r.indices = indices;
    r.per_sample = metric_.per_sample();
    POT_CHECK(r.per_sample.size() == indices.size(), "metric ", r.metric, " scored ", r.per_sample.size(),
              " samples of ", indices.size());
    return r;
}

EvaluationResult Evaluator::evaluate_float(const std::vector<size_t>& indices) {
    const auto order = resolve(indices);
    if (auto it = float_results_.find(order); it != float_results_.end()) return it->second;
    return float_results_[order] = run(float_compiled(), order);
}

EvaluationResult Evaluator::evaluate(const Graph& graph, const std::vector<size_t>& indices) {
    return evaluate_and_time(graph, indices, nullptr).first;
}

std::pair<EvaluationResult, std::optional<BenchmarkResult>> Evaluator::evaluate_and_time(
    const Graph& graph, const std::vector<size_t>& indices, const BenchmarkOptions* timing) {
    const auto order = resolve(indices);
    auto model = engine_.compile(graph);
    auto result = run(*model, order);
    if (!timing) return {std::move(result), std::nullopt};
    return {std::move(result), engine_.benchmark(*model, *timing)};
}

Comparison Evaluator::compare(const Graph& graph, const std::vector<size_t>& indices) {
    const auto order = resolve(indices);
    Comparison c;
    c.fp32 = evaluate_float(order);
    auto model = engine_.compile(graph);
    if (metric_.needs_reference()) {
        double cosine = 0;
        c.int8 = run(*model, order, &cosine);
        c.mean_cosine = order.empty() ? 0.0 : cosine / static_cast<double>(order.size());
    } else {
        c.int8 = run(*model, order);
        c.changes = compare_scores(c.fp32.per_sample, c.int8.per_sample, c.int8.higher_is_better);
    }
    return c;
}

BenchmarkResult Evaluator::latency(const Graph& graph, const BenchmarkOptions& options) {
    auto model = engine_.compile(graph);
    return engine_.benchmark(*model, options);
}

}  // namespace pot::core
