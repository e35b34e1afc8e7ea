#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pot/tensor.hpp"

namespace pot::core {

/// What SQuAD's answer extraction and metrics need of one BERT feature (one window of a
/// question's context), as Accuracy Checker's QuestionAnsweringAnnotation holds it.
struct QuestionAnsweringRecord {
    std::string question_id;                 ///< the SQuAD question's id, shared by its features
    std::vector<std::string> gold_answers;   ///< orig_answer_text's texts, in file order
    std::vector<std::string> context_words;  ///< doc_tokens: the context split on whitespace
    /// The feature's tokens by sequence position ([CLS], question, [SEP], window, [SEP]), unpadded.
    std::vector<std::string> tokens;
    /// token_to_orig_map: sequence positions of the window's tokens -> index into context_words.
    std::map<int64_t, int64_t> token_to_word;
    /// token_is_max_context: true where this window gives the token its most context (of the
    /// windows holding it).
    std::map<int64_t, bool> token_is_max_context;
    bool lower_case = false;  ///< the tokenizer lower-cased (answers are matched back accordingly)
};

/// One Accuracy Checker annotation as the data readers see it: its arrays by attribute name
/// (input_ids, input_mask, ...) and the suffix its data identifiers carry ("<example>_<span>").
struct AnnotationRecord {
    std::string id;
    std::map<std::string, Tensor> arrays;
    /// Set for SQuAD features (the squad converter's, or a pickle holding every attribute of it).
    std::optional<QuestionAnsweringRecord> question_answering;
    /// Attributes of a pickled annotation that question_answering needs but the pickle lacks
    /// (empty when it is set or the record is not pickled).
    std::vector<std::string> question_answering_missing;
};

/// One piece of a sample as a reader hands it to the launcher: the identifier the launcher's
/// input regexes are matched against ("input_ids_0_0", "u:17") and the array.
struct DataEntry {
    std::string identifier;
    Tensor value;
};

}  // namespace pot::core
