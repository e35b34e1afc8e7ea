#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/core/evaluator.hpp"
#include "pot/core/layer_report.hpp"
#include "pot/core/log.hpp"
#include "pot/core/registry.hpp"

namespace pot::core {

/// What a quantization job runs on and where its results go: `pot-host -c` as an API.
struct JobOptions {
    std::filesystem::path config;
    /// Plugin folders, loaded in order (the CLI passes its default folder when none is given).
    std::vector<std::filesystem::path> plugin_dirs;
    std::filesystem::path output_dir = "./results";
    bool evaluate = false;     ///< compare FP32 and INT8 on the evaluation data
    bool direct_dump = false;  ///< results straight into output_dir, not a timestamped folder
    bool save_model = false;   ///< also write the FP32 model after graph optimization
};

/// What a finished job produced.
struct JobResult {
    nlohmann::json report;                  ///< as written to report.json
    std::filesystem::path results_dir;      ///< where the results were moved to
    std::filesystem::path model_file;       ///< the INT8 model, in results_dir
    std::string model_name;
    size_t algorithm_count = 0;
    double quantize_seconds = 0;
    uint64_t fp32_bytes = 0, int8_bytes = 0;
    std::vector<LayerError> layers;         ///< per-layer errors, network order
    std::optional<Comparison> evaluation;   ///< with JobOptions::evaluate
    size_t evaluation_samples = 0;
    /// Whether the model meets the accuracy target of the algorithm that set one (a search such as
    /// AccuracyAwareQuantization, through ResultServices::checkpoint); nullopt when none did.
    std::optional<bool> target_met;
    /// A cascade (model.cascade): one result per model, in cascade order. The fields above then
    /// describe the whole: byte counts and quantization time summed, target_met over the models
    /// that set one; model_file, layers and evaluation are the models'.
    std::vector<JobResult> models;
};

/// Samples the per-layer error report runs through both models: enough for stable cosine and SQNR.
constexpr size_t kLayerReportSamples = 16;

/// The whole quantization job: load the config and plugins, resolve every name the config uses
/// (so configuration errors come before any work), load and optimize the model, open the data,
/// tune (with an optimizer), run the pipeline, measure per-layer errors, export, evaluate, and
/// write the results through a staging folder that is moved into place only at the end: a failed
/// job leaves nothing behind. A cascade quantizes each of its models so, in order, into one
/// results folder (`<model_name>_<name>.onnx` each, one report.json with a "models" list); each
/// is compared with its own FP32 outputs. Throws pot::Error (kind Config for bad configuration).
JobResult run_quantization_job(const JobOptions& options, Logger& logger);

/// Loads every plugin file of `dirs` into `registry`; the files skipped, with their reasons.
std::vector<SkippedPlugin> load_plugin_dirs(Registry& registry, const std::vector<std::filesystem::path>& dirs);

/// The engine `name` made with `params_json` (plus "threads" when `threads` is not 0), or when
/// `name` is empty "cpu" if a plugin provides it, else "reference"; every call goes through the
/// plugin boundary. `where` names the option or JSON path for messages.
std::unique_ptr<Engine> create_engine(const Registry& registry, const std::string& name,
                                      const std::string& params_json, int threads, const std::string& where);

}  // namespace pot::core
