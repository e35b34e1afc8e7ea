#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pot/core/config.hpp"
#include "pot/data.hpp"
#include "pot/graph.hpp"
#include "question_answering.hpp"

namespace pot::core {

/// Metric types the Accuracy Checker reader gives its `f1` and `exact_match` metrics (with the
/// bert_question_answering adapter and extract_answers_tokens): core's own metrics, not plugins'.
constexpr const char* kSquadF1 = "squad_f1";
constexpr const char* kSquadExactMatch = "squad_exact_match";

/// SQuAD v1.1's F1 or exact match of BERT's answers, as Accuracy Checker computes them.
///
/// Each sample is one feature (one window of a question's context) annotated with its
/// QuestionAnsweringRecord as JSON. Its score (per_sample) is the F1 or exact match, in percent,
/// of the answer extracted from that feature's own start and end logits (best_answer_span, then
/// answer_text) against the question's gold answers: what Accuracy Checker scores per
/// annotation, so the samples a change breaks can be ranked. The value is SQuAD's: per question
/// the best score of its features seen since reset(), averaged over those questions, in percent
/// (Accuracy Checker's displayed scale, as the configs' reference values are).
///
/// Params (JSON): score ("f1" or "exact_match"), start_output and end_output (the model outputs
/// holding the start and end logits, by name), adapter_path (where they were given, for
/// messages), max_answer, n_best_size.
class QuestionAnsweringMetric final : public Metric {
public:
    /// Throws pot::Error(Config) naming `path` for bad parameters.
    QuestionAnsweringMetric(const std::string& params_json, const std::string& path);

    /// Finds start_output and end_output among the model's outputs; must be called before
    /// update(). Throws pot::Error(Config) naming the adapter's path and the model's outputs.
    void bind_outputs(const std::vector<ValueInfo>& outputs);

    std::string name() const override { return score_ == Score::F1 ? "f1" : "exact_match"; }
    void reset() override;
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;
    double value() const override;
    std::vector<double> per_sample() const override { return scores_; }

    /// The answer update() extracted for each sample, in update() order (for reports and tests).
    const std::vector<std::string>& answers() const { return answers_; }

private:
    enum class Score { F1, ExactMatch };
    Score score_ = Score::F1;
    std::string start_output_, end_output_, adapter_path_, path_;
    AnswerSettings settings_;
    std::optional<size_t> start_index_, end_index_;
    std::unique_ptr<WordPieceTokenizer> cased_, uncased_;
    std::vector<double> scores_;
    std::vector<std::string> answers_;
    std::map<std::string, double> best_by_question_;
};

/// The metric of `m` when it is one of core's (kSquadF1, kSquadExactMatch), else nullptr.
std::unique_ptr<Metric> create_core_metric(const MetricConfig& m);

/// Gives a core metric the model's outputs it reads by name (no-op for any other metric).
void bind_metric_outputs(Metric& metric, const std::vector<ValueInfo>& outputs);

}  // namespace pot::core
