#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/core/tuning_settings.hpp"

namespace pot::core {

/// Longest side, in pixels, of any image: decoded, resized, cropped or a model input.
constexpr int kMaxImageSide = 16384;
/// Most pixels of any image (8192 x 8192): bounds the memory one sample takes.
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;

/// Image preprocessing, applied in this order: color conversion, center crop by fraction, resize,
/// center crop, (x - mean) / scale per channel, layout.
struct Preprocessing {
    /// Keeps this central share of each side first (TensorFlow's central_fraction), in (0, 1].
    std::optional<float> crop_fraction;
    std::optional<std::pair<int, int>> resize;  ///< height, width (within kMaxImageSide/Pixels)
    /// Resizes the shorter side to this many pixels, keeping the aspect ratio (instead of resize).
    std::optional<int> resize_shorter_side;
    /// Accuracy Checker's east_keep_aspect_ratio (instead of resize): the longer side limited to
    /// `first` pixels keeping the aspect ratio, then each side not a multiple of `second` cut to
    /// one multiple below its rounded-down multiple (as Accuracy Checker does), at least 32.
    std::optional<std::pair<int, int>> resize_limit_multiple;
    std::optional<std::pair<int, int>> crop;    ///< center crop height, width (same bounds)
    std::string layout = "NCHW";                ///< or "NHWC"
    std::string color = "";                     ///< "RGB", "BGR" or "GRAY"; "" = from the model
    std::vector<float> mean;                    ///< one value, or one per channel
    std::vector<float> scale;

    bool operator==(const Preprocessing&) const = default;
};

struct AlgorithmConfig {
    std::string name;
    std::string params_json = "{}";
    std::string path;  ///< JSON path of the entry, e.g. /compression/algorithms/0
};

/// One model of a cascade (POT's model.cascade entry): quantized on its own, written as
/// `<cascade name>_<name>.onnx`, with the algorithms of compression.algorithms whose `ignored`
/// blocks were narrowed to this model's.
struct CascadeMember {
    std::string name;
    std::filesystem::path model;
    std::vector<AlgorithmConfig> algorithms;
};

struct ModelConfig {
    std::string name;
    std::filesystem::path model;          ///< empty for a cascade
    std::vector<CascadeMember> cascade;   ///< POT's multi-model pipelines (MTCNN), in order
};

/// One entry of engine.metrics (POT / Accuracy Checker style): the metric plugin `type`, the
/// name the report shows, an optional baseline, and every other key as the metric's parameters.
struct MetricConfig {
    std::string type;
    std::string name;  ///< defaults to the metric's own name
    std::optional<double> baseline_value;  ///< the FP32 value the user expects (reported beside ours)
    std::string params_json = "{}";
    std::string path;  ///< JSON path of the entry, e.g. /engine/metrics/0
};

/// POT's data-free mode (engine type data_free): images generated into data_source, then read as
/// the simplified engine reads a folder.
struct SyntheticData {
    bool generate = true;        ///< false: data_source already holds them
    std::vector<int64_t> shape;  ///< the input's shape in the engine's layout; -1 = the model's
    int64_t count = 300;         ///< images generated
};

/// One entry of an Accuracy Checker launcher's `inputs`: which data feed model input `name`.
struct InputBinding {
    std::string name;            ///< the model input
    std::string type = "INPUT";  ///< INPUT (data chosen by `value`) or CONST_INPUT (`value` itself)
    /// INPUT: a regular expression matched at the start of the data identifiers (Accuracy
    /// Checker's re.match); CONST_INPUT: the value as JSON text (a number or nested lists).
    std::string value;
    /// Accuracy Checker's precision (I32, I64, FP32, ...). A hint only: the data are converted
    /// to the model input's declared element type, which decides.
    std::string precision;
    std::vector<int64_t> shape;  ///< the data reshaped to this first when given
    std::string path;            ///< where the entry sits, e.g. "file.yml: /models/0/launchers/0/inputs/1"
};

/// Data Accuracy Checker builds from its annotations instead of reading files of data_source:
/// a converter's output (squad: BERT features of a SQuAD file; movie_lens_converter: user and
/// item pairs) or a converted annotation file (its pickle), read by annotation_features_extractor
/// (named arrays of each annotation) or ncf_data_reader (the numbers of the identifiers).
struct AnnotationData {
    std::string converter;                      ///< "squad", "movie_lens_converter"; "" = pickle
    nlohmann::json params = nlohmann::json::object();  ///< the converter's keys, paths resolved
    std::optional<std::filesystem::path> pickle;  ///< Accuracy Checker's converted annotation file
    std::string reader;                         ///< "annotation_features_extractor" or "ncf_data_reader"
    std::vector<std::string> features;          ///< annotation_features_extractor's attribute names
    std::string path;                           ///< the dataset's place, e.g. "file.yml: /models/0/datasets/0"
};

struct EngineConfig {
    std::string type = "simplified";  ///< "simplified", "accuracy_checker" or "data_free"
    std::optional<SyntheticData> synthetic;  ///< for "data_free"
    std::string backend;  ///< engine plugin name; "" = cpu when loaded, else reference
    std::filesystem::path data_source;
    /// The data are arrays, never images (Accuracy Checker's numpy_reader): data_source must
    /// hold .npy files, fed as they are (no image preprocessing).
    bool arrays_only = false;
    std::optional<std::filesystem::path> annotation;
    Preprocessing preprocessing;
    int threads = 0;  ///< 0: all cores; bounded by checked_thread_count
    std::string params_json = "{}";  ///< engine-specific parameters
    /// Data for -e when it differs from the calibration data (same preprocessing).
    std::optional<std::filesystem::path> evaluation_data_source;
    std::optional<std::filesystem::path> evaluation_annotation;
    /// Metrics; the first is the one evaluation and the optimizer use. Empty: the host chooses.
    std::vector<MetricConfig> metrics;
    /// Added to every class-index annotation (1: the model's class 0 is a background class the
    /// labels do not count; Accuracy Checker's has_background).
    int64_t label_offset = 0;
    /// Accuracy Checker parts outside the supported subset that only score accuracy (adapters,
    /// annotation converters, metrics, postprocessing), one message each: statistics need only the
    /// images, so quantization runs without them; evaluating is refused with these messages.
    std::vector<std::string> scoring_unsupported;
    /// Accuracy Checker's launcher inputs; empty: the data feed the inputs in order.
    std::vector<InputBinding> input_bindings;
    /// Set when the data come from annotations (then data_source is not read).
    std::optional<AnnotationData> annotation_data;
};

/// One entry of compression.algorithms.
struct CompressionConfig {
    std::string target_device = "ANY";
    std::vector<AlgorithmConfig> algorithms;
    /// File keeping collected statistics between runs (keyed by model, data and samples).
    std::optional<std::filesystem::path> statistics_cache;
    /// POT's dump_intermediate_model: the model after each algorithm is saved beside the result.
    bool dump_intermediate_model = false;
};

/// The optimizer section: the plugin to create with its own parameters, and the tuning run's
/// settings (POT's keys in the same params object).
struct OptimizerConfig {
    std::string name;
    std::string params_json = "{}";  ///< the params without the keys TuningSettings took
    TuningSettings tuning;
};

/// The validated configuration (POT's schema: model / engine / compression / optimizer).
struct Config {
    std::filesystem::path file;
    ModelConfig model;
    EngineConfig engine;
    CompressionConfig compression;
    std::optional<OptimizerConfig> optimizer;
    nlohmann::json json;  ///< the file as parsed, for the report
    /// Keys read but without effect here (each with its JSON path and why), for the log.
    std::vector<std::string> warnings;
};

/// `device` when it is a target device the quantizing algorithms have rules for (ANY, CPU,
/// CPU_SPR, GPU, VPU, NPU); else a Config error naming `where` (POT's GNA targets with the reason
/// they are refused, other names with the list).
std::string checked_target_device(const std::string& device, const std::string& where);

/// The messages of engine.scoring_unsupported in one line.
std::string scoring_unsupported_list(const EngineConfig& engine);

/// Reads and validates a config file; relative paths are resolved against the file's folder.
/// Comments and POT's trailing commas are allowed. Every problem found is listed in one
/// pot::Error(Config) naming the file and each JSON path; an unknown key suggests the nearest known
/// one. The file must be a regular file of at most
/// 16 MiB, nested at most kJsonMaxDepth deep.
Config load_config(const std::filesystem::path& file);
/// Checks that the files and folders `config` names exist (model, data, annotations), listing every
/// one that does not as a Config error with its JSON path.
void check_config_paths(const Config& config);
/// Same, from text; `base_dir` resolves relative paths and `origin` names the source in messages.
Config parse_config(const std::string& text, const std::filesystem::path& base_dir,
                    const std::string& origin);

}  // namespace pot::core
