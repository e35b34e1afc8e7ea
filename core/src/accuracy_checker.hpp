#pragma once

#include <filesystem>

#include "config_problems.hpp"
#include "pot/core/config.hpp"
#include "pot/params.hpp"

namespace pot::core {

/// POT's default engine, the Accuracy Checker, read as the simplified engine it amounts to for the
/// subset POT's configs use: the engine section's `config` (an Accuracy Checker YAML file whose
/// `models` list holds one model) or its inline `launchers` and `datasets`. One launcher (a CPU
/// classification launcher of any framework: the model is POT's), one dataset: `data_source`,
/// `annotation_conversion` with the `imagenet` converter, `preprocessing` steps `bgr_to_rgb`,
/// `resize`, `crop` and `normalization` in an order the simplified engine applies them in, and
/// `accuracy` metrics. Data made from annotations: launcher `inputs` (INPUT entries choosing
/// data by a regex of their identifiers, CONST_INPUT), the `annotation_features_extractor` reader
/// over the `squad` converter's BERT features or Accuracy Checker's converted annotation file,
/// and `ncf_data_reader` over `movie_lens_converter`'s pairs. SQuAD's scoring: the
/// `bert_question_answering` adapter, `extract_answers_tokens` postprocessing and `f1` /
/// `exact_match` metrics, read as metrics of type kSquadF1 / kSquadExactMatch (see
/// QuestionAnsweringMetric). Everything outside the subset is a problem naming its path (the YAML file
/// and the path inside it), all of them in one run. Fills `out`'s data, annotation,
/// preprocessing and metrics.
void read_accuracy_checker(const Params& engine, const std::filesystem::path& base_dir, EngineConfig& out,
                           ConfigProblems& problems);

}  // namespace pot::core
