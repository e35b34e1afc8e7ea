#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "annotation_records.hpp"
#include "wordpiece_tokenizer.hpp"

namespace pot::core {

/// SQuAD v1.1's answer normalization: lower-cased (ASCII letters), ASCII punctuation removed, the
/// words a, an and the removed, whitespace runs made single spaces, ends trimmed.
std::string normalize_answer(const std::string& text);

/// SQuAD's token-overlap F1 of `predicted` against `gold`, in [0, 1], over their normalized words
/// (counting repeats); 1 when both normalize to nothing, 0 when only one does.
double answer_f1(const std::string& gold, const std::string& predicted);
/// 1 when both normalize to the same text, else 0.
double answer_exact_match(const std::string& gold, const std::string& predicted);

/// The best of answer_f1 (or answer_exact_match) over the gold answers, as Accuracy Checker scores
/// a prediction: gold answers that normalize to nothing are dropped, and with none left the gold
/// answer is the empty text.
double best_answer_f1(const std::vector<std::string>& golds, const std::string& predicted);
double best_answer_exact_match(const std::vector<std::string>& golds, const std::string& predicted);

/// Accuracy Checker's extract_answers_tokens settings.
struct AnswerSettings {
    int64_t max_answer = 30;   ///< tokens of the longest answer
    int64_t n_best_size = 20;  ///< start and end positions considered, each
};

/// An answer as sequence positions of a feature's tokens, both ends included.
struct AnswerSpan {
    int64_t start = 0;
    int64_t end = 0;
    double score = 0;  ///< start logit + end logit
};

/// BERT's answer of one feature: among the n_best_size highest start logits and the n_best_size
/// highest end logits (ties: the earlier position first), the pair with the highest sum whose
/// start <= end, whose length is at most max_answer tokens, whose both ends are tokens of the
/// context window (token_to_word) and whose start has its maximal context in this window.
/// Logits cover the feature's sequence (padding included); positions past `qa.tokens` never
/// answer. nullopt when no pair qualifies (the answer is then the empty text).
std::optional<AnswerSpan> best_answer_span(const std::vector<float>& start_logits,
                                           const std::vector<float>& end_logits, const QuestionAnsweringRecord& qa,
                                           const AnswerSettings& settings);

/// The context text of `span`: the original words from the start token's word to the end
/// token's, cut to the characters the span's word pieces cover where the pieces line up with the
/// words character by character (as BERT's get_final_text; compared byte-wise, so a word whose
/// tokenization changes its UTF-8 length answers whole). `basic` must be a tokenizer with
/// qa.lower_case (its vocabulary is not used).
std::string answer_text(const QuestionAnsweringRecord& qa, const AnswerSpan& span, const WordPieceTokenizer& basic);

/// The record as JSON text and back: how a SQuAD feature's annotation reaches the metric
/// (pot::Annotation::of_json). The reader throws pot::Error(Input) naming `origin` and the key.
std::string question_answering_json(const QuestionAnsweringRecord& qa);
QuestionAnsweringRecord question_answering_from_json(const std::string& json_text, const std::string& origin);

}  // namespace pot::core
