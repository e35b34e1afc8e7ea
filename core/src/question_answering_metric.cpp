#include "question_answering_metric.hpp"

#include <algorithm>

#include "pot/error.hpp"
#include "pot/json_parse.hpp"
#include "pot/params.hpp"

namespace pot::core {

namespace {

// Basic tokenization needs no vocabulary beyond the tokens the tokenizer insists on.
std::unique_ptr<WordPieceTokenizer> basic_tokenizer(bool lower_case) {
    return std::make_unique<WordPieceTokenizer>(std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]"},
                                                lower_case, "the answer extraction's basic tokenizer");
}

std::vector<float> logits_of(const Tensor& t, const std::string& output, size_t index) {
    POT_CHECK_KIND(Input, t.dtype() == DType::F32, "output '", output, "' holds ", dtype_name(t.dtype()),
                   " values; the start and end logits are float (sample ", index, ")");
    return t.to_floats();
}

}  // namespace

QuestionAnsweringMetric::QuestionAnsweringMetric(const std::string& params_json, const std::string& path)
    : path_(path), cased_(basic_tokenizer(false)), uncased_(basic_tokenizer(true)) {
    const Params params(parse_json(params_json, path, ErrorKind::Config), path);
    score_ = params.get_enum<Score>("score", Score::F1, {{"f1", Score::F1}, {"exact_match", Score::ExactMatch}});
    start_output_ = params.get_string("start_output", "");
    end_output_ = params.get_string("end_output", "");
    adapter_path_ = params.get_string("adapter_path", path);
    POT_CHECK_KIND(Config, !start_output_.empty() && !end_output_.empty(), path, ": the SQuAD metrics read the "
                   "model's start and end logits: give the launcher's adapter type bert_question_answering with "
                   "start_token_logits_output and end_token_logits_output");
    settings_.max_answer = params.get_int("max_answer", settings_.max_answer);
    settings_.n_best_size = params.get_int("n_best_size", settings_.n_best_size);
    POT_CHECK_KIND(Config, settings_.max_answer >= 1 && settings_.n_best_size >= 1, path,
                   ": max_answer and n_best_size must be at least 1");
    params.reject_unknown();
}

void QuestionAnsweringMetric::bind_outputs(const std::vector<ValueInfo>& outputs) {
    std::string names;
    for (const auto& o : outputs) names += str_cat(names.empty() ? "'" : ", '", o.name, "'");
    const auto find = [&](const std::string& name, const char* key) {
        const auto it = std::find_if(outputs.begin(), outputs.end(), [&](const ValueInfo& o) { return o.name == name; });
        POT_CHECK_KIND(Config, it != outputs.end(), adapter_path_, "/", key, ": the model has no output '", name,
                       "' (its outputs: ", names.empty() ? "none" : names, "); name the output holding the ",
                       key[0] == 's' ? "start" : "end", " logits");
        return static_cast<size_t>(it - outputs.begin());
    };
    start_index_ = find(start_output_, "start_token_logits_output");
    end_index_ = find(end_output_, "end_token_logits_output");
}

void QuestionAnsweringMetric::reset() {
    scores_.clear();
    answers_.clear();
    best_by_question_.clear();
}

void QuestionAnsweringMetric::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>&,
                                     const Sample& sample) {
    POT_CHECK(start_index_ && end_index_, path_, ": the metric's outputs were not bound to the model's");
    POT_CHECK_KIND(Input, std::max(*start_index_, *end_index_) < outputs.size(), "sample ", sample.index, ": ",
                   outputs.size(), " model outputs, expected the start and end logits at ", *start_index_, " and ",
                   *end_index_);
    POT_CHECK_KIND(Input, sample.annotation && sample.annotation->kind == Annotation::Kind::Json, path_, ": sample ",
                   sample.index, " has no SQuAD annotation (", sample.annotation ? sample.annotation->kind_name() : "none",
                   "); the f1 and exact_match metrics score the squad converter's features or Accuracy Checker's "
                   "SQuAD annotation file");
    const auto qa = question_answering_from_json(sample.annotation->text, str_cat(path_, ": sample ", sample.index));
    const auto start = logits_of(outputs[*start_index_], start_output_, sample.index);
    const auto end = logits_of(outputs[*end_index_], end_output_, sample.index);
    const auto span = best_answer_span(start, end, qa, settings_);
    std::string answer = span ? answer_text(qa, *span, qa.lower_case ? *uncased_ : *cased_) : std::string();
    const double score = 100.0 * (score_ == Score::F1 ? best_answer_f1(qa.gold_answers, answer)
                                                      : best_answer_exact_match(qa.gold_answers, answer));
    scores_.push_back(score);
    answers_.push_back(std::move(answer));
    auto [it, inserted] = best_by_question_.emplace(qa.question_id, score);
    if (!inserted) it->second = std::max(it->second, score);
}

double QuestionAnsweringMetric::value() const {
    if (best_by_question_.empty()) return 0.0;
    double sum = 0;
    for (const auto& [_, score] : best_by_question_) sum += score;
    return sum / static_cast<double>(best_by_question_.size());
}

std::unique_ptr<Metric> create_core_metric(const MetricConfig& m) {
    if (m.type != kSquadF1 && m.type != kSquadExactMatch) return nullptr;
    return std::make_unique<QuestionAnsweringMetric>(m.params_json, m.path);
}

void bind_metric_outputs(Metric& metric, const std::vector<ValueInfo>& outputs) {
    if (auto* qa = dynamic_cast<QuestionAnsweringMetric*>(&metric)) qa->bind_outputs(outputs);
}

}  // namespace pot::core
