#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "annotation_records.hpp"

namespace pot::core {

/// Reads Accuracy Checker's converted annotation file: Python pickles (protocols 2 to 5, one
/// annotation object each, one after another, or one list of them) of its representation
/// classes. Nothing in the file is run: classes are names, objects the state they were saved
/// with. Each object's NumPy arrays (attributes holding numpy.ndarray, of bool, int8 to int64,
/// uint8, float32 or float64 little-endian elements) become the record's arrays, converted to
/// the nearest tensor type (int64 for wider or unsigned integers, f32 for floats); its id is the
/// object's index. An object with a `question_id` (a QuestionAnsweringAnnotation) also gives
/// its question_answering record from question_id, orig_answer_text, doc_tokens, tokens,
/// token_to_orig_map, token_is_max_context and metadata's lower_case, or, when some of these
/// are absent, lists them in question_answering_missing; a malformed one is an Input error
/// naming the file, the annotation and the key. Throws pot::Error(Input) naming the file and byte offset of anything else
/// (an opcode outside these protocols, truncation, a non-object at top level).
std::vector<AnnotationRecord> read_annotation_pickle(const std::filesystem::path& file);
/// Same for bytes held in memory; `origin` names them in messages.
std::vector<AnnotationRecord> parse_annotation_pickle(const std::string& bytes, const std::string& origin);

}  // namespace pot::core
