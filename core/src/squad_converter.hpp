#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "annotation_records.hpp"
#include "wordpiece_tokenizer.hpp"

namespace pot::core {

/// Accuracy Checker's `squad` converter settings (its defaults).
struct SquadSettings {
    int64_t max_seq_length = 128;   ///< tokens per feature, padded to it
    int64_t max_query_length = 64;  ///< question tokens kept
    int64_t doc_stride = 128;       ///< tokens between the starts of two windows of one context
};

/// BERT's question-answering features of one question: for each window of the context,
/// `[CLS] question [SEP] window [SEP]` padded to max_seq_length, as int64 arrays input_ids,
/// input_mask (1 on tokens, 0 on padding), segment_ids (0 up to the first [SEP], 1 after it up to
/// the last, 0 on padding) and position_ids (0, 1, ...). Windows start every doc_stride context
/// tokens and hold max_seq_length - question tokens - 3; the last one reaches the context's end.
/// `id_prefix` starts each record's id ("<prefix>_<window>"). Each record carries its
/// QuestionAnsweringRecord: the context's words, the feature's tokens, which context word each
/// window token comes from and whether the window gives it maximal context (BERT's reference:
/// the most tokens on its shorter side); question_id and gold_answers are left empty.
std::vector<AnnotationRecord> squad_question_features(const WordPieceTokenizer& tokenizer, const std::string& question,
                                                      const std::string& context, const SquadSettings& settings,
                                                      const std::string& id_prefix);

/// Every question of a SQuAD v1.1 / v2.0 JSON file (data / paragraphs / qas), in file order,
/// made into features as above; record ids are "<question index>_<window>", as Accuracy
/// Checker's identifiers, and each carries its question's `id` and `answers` texts. Throws pot::Error(Input) naming the file and the JSON path of a
/// malformed entry, pot::Error(Config) when the settings leave no room for the context.
std::vector<AnnotationRecord> squad_features(const std::filesystem::path& testing_file,
                                             const WordPieceTokenizer& tokenizer, const SquadSettings& settings);

}  // namespace pot::core
