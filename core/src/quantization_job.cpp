#include "pot/core/quantization_job.hpp"

#include <chrono>
#include <deque>

#include <unistd.h>

#include "pot/abi.h"
#include "pot/core/atomic_file.hpp"
#include "pot/core/config.hpp"
#include "pot/core/dataset.hpp"
#include "pot/core/failure_context.hpp"
#include "pot/core/graph_transforms.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/output_staging.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/synthetic_images.hpp"
#include "pot/core/plugin_boundary.hpp"
#include "pot/core/session.hpp"
#include "pot/core/tuning_loop.hpp"
#include "pot/error.hpp"
#include "pot/json_parse.hpp"
#include "question_answering_metric.hpp"
#include "staging_cleanup.hpp"

namespace pot::core {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTuningPlotFile = "tuning_trials.png";

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

nlohmann::json evaluation_json(const Comparison& c, const DataLoader& data, const std::string& engine,
                               double seconds) {
    nlohmann::json j = {{"metric", c.int8.metric}, {"fp32", c.fp32.value}, {"int8", c.int8.value},
                        {"higher_is_better", c.int8.higher_is_better},
                        {"drop", c.drop()}, {"samples", data.size()}, {"data", data.describe()},
                        {"engine", engine}, {"seconds", seconds}};
    if (c.mean_cosine) j["mean_cosine"] = *c.mean_cosine;
    if (c.changes)
        j["changed"] = {{"fixed", c.changes->fixed}, {"broken", c.changes->broken},
                        {"drop_standard_error", c.changes->standard_error_points()}};
    return j;
}

// The optimizer the config names, when some algorithm has choices to tune; otherwise a warning
// and the report says it was not used.
std::unique_ptr<Optimizer> create_optimizer(const Registry& registry, const Config& config,
                                            const Pipeline& pipeline, Logger& logger, nlohmann::json& report) {
    if (!config.optimizer) return nullptr;
    auto optimizer = guard_optimizer(
        registry.create_optimizer(config.optimizer->name, config.optimizer->params_json, "/optimizer"));
    if (!pipeline.tunables().empty()) return optimizer;
    logger.log(LogLevel::Warning, str_cat("optimizer ", optimizer->name(), ": no algorithm in "
                                          "compression.algorithms has tunable choices; not used"));
    report["optimizer"] = {{"name", optimizer->name()}, {"used", false}};
    return nullptr;
}

// The config's first metric; created before any heavy work so that a wrong name fails first.
std::unique_ptr<Metric> configured_metric(const Registry& registry, const Config& config) {
    if (config.engine.metrics.empty()) return nullptr;
    const MetricConfig& m = config.engine.metrics.front();
    if (auto core_metric = create_core_metric(m)) return core_metric;
    return guard_metric(registry.create_metric(m.type, m.params_json, m.path));
}

}  // namespace

std::vector<SkippedPlugin> load_plugin_dirs(Registry& registry, const std::vector<fs::path>& dirs) {
    std::vector<SkippedPlugin> skipped;
    for (const auto& dir : dirs)
        for (auto& s : registry.load_directory(dir)) skipped.push_back(std::move(s));
    return skipped;
}

std::unique_ptr<Engine> create_engine(const Registry& registry, const std::string& name,
                                      const std::string& params_json, int threads, const std::string& where) {
    std::string chosen = name;
    if (chosen.empty()) chosen = registry.has(POT_KIND_ENGINE, "cpu") ? "cpu" : "reference";
    auto json = parse_json(params_json, where, ErrorKind::Config);
    POT_CHECK_KIND(Config, json.is_object(), where, ": engine parameters must be a JSON object, got ", json.dump());
    if (threads != 0) {
        POT_CHECK_KIND(Config, !json.contains("threads") || json["threads"] == threads, where,
                       ": the thread count is given twice (", threads, " and ", json["threads"].dump(),
                       " in the engine's parameters); give it once");
        json["threads"] = threads;
    }
    return guard_engine(registry.create_engine(chosen, json.dump(), where));
}

namespace {

// POT's data-free mode: images of the model's input size (or /engine/shape where the model's is
// dynamic) generated into data_source.
void generate_data_free_images(const EngineConfig& engine, const Graph& graph, Logger& logger) {
    const SyntheticData& s = *engine.synthetic;
    POT_CHECK_KIND(Config, graph.inputs.size() == 1, "/engine/type: data_free generates images for a model with "
                   "one input; this one has ", graph.inputs.size());
    const ValueInfo& input = graph.inputs.front();
    Shape shape = input.shape;
    POT_CHECK_KIND(Config, shape.size() == 4 || shape.size() == 3, "/engine/type: data_free generates images; "
                   "input '", input.name, "' has shape ", shape_str(shape), " (expected 3 or 4 dimensions)");
    if (!s.shape.empty()) {
        POT_CHECK_KIND(Config, s.shape.size() == shape.size(), "/engine/shape: ", s.shape.size(), " dimensions, but "
                       "input '", input.name, "' has ", shape.size());
        for (size_t i = 0; i < shape.size(); ++i)
            if (s.shape[i] > 0) shape[i] = s.shape[i];
    }
    const size_t first = shape.size() - 3;  // after the batch dimension, if any
    const bool nhwc = engine.preprocessing.layout == "NHWC";
    const int64_t channels = shape[first + (nhwc ? 2 : 0)];
    const int64_t height = shape[first + (nhwc ? 0 : 1)], width = shape[first + (nhwc ? 1 : 2)];
    POT_CHECK_KIND(Config, channels > 0 && height > 0 && width > 0, "/engine/shape: input '", input.name,
                   "' has dynamic dimensions (", shape_str(input.shape), "); give them, e.g. \"[None, 3, 224, 224]\"");
    logger.log(LogLevel::Info, str_cat("generating ", s.count, " synthetic ", height, "x", width, " images in '",
                                       engine.data_source.string(), "'"));
    generate_synthetic_images(engine.data_source, s.count, height, width, channels);
}

}  // namespace

namespace {

// What every model of a job shares.
struct JobContext {
    const JobOptions& options;
    const Config& config;
    Logger& logger;
    const Registry& registry;
    Engine& engine;
    OutputStaging& staging;
    Clock::time_point run_start;
};

// One model to quantize: the model itself, or one model of a cascade.
struct ModelTask {
    std::string stem;  ///< its output files' names begin with this
    fs::path file;
    Pipeline* pipeline;
    std::string member;  ///< its name in the cascade; empty for a single model
    Graph graph = {};    ///< loaded, optimized and compiled once before any model is calibrated
};

// Loads and optimizes the model; compiling it reports an op the engine cannot run before any
// other work.
void load_task(ModelTask& task, Engine& engine, nlohmann::json& report) {
    const auto step = Clock::now();
    std::optional<StageScope> stage(std::in_place, str_cat("loading model '", task.file.string(), "'"));
    task.graph = load_onnx(task.file);
    optimize_graph(task.graph);
    report["timings"]["load_model_s"] = seconds_since(step);
    stage.emplace(str_cat("compiling model '", task.file.string(), "'"));
    engine.compile(task.graph);
}

// Loads, compiles, calibrates (and tunes, with an optimizer), measures, saves into the staging
// folder and evaluates one model; its sections go into `report`.
JobResult quantize_model(JobContext& ctx, ModelTask& task, Optimizer* optimizer, std::unique_ptr<Metric> metric,
                         nlohmann::json& report, bool generate_data, std::vector<fs::path>& checkpoint_files) {
    const Config& config = ctx.config;
    const JobOptions& options = ctx.options;
    Logger& logger = ctx.logger;
    Engine& engine = ctx.engine;
    Pipeline& pipeline = *task.pipeline;
    const bool member = !task.member.empty();
    // A cascade's models write into one folder: their files carry their names.
    const auto result_name = [&](const std::string& file) { return member ? task.member + "_" + file : file; };
    JobResult result;
    result.model_name = task.stem;
    // What is said about a model of a cascade names it.
    struct Context {
        Logger& logger;
        ~Context() { logger.set_context(""); }
    } context{logger};
    logger.set_context(task.member);

    Graph graph = std::move(task.graph);
    // Metrics reading outputs by name (SQuAD's start and end logits) find them before any data is read.
    if (metric) bind_metric_outputs(*metric, graph.outputs);
    auto step = Clock::now();
    std::optional<StageScope> stage;
    if (generate_data) {
        stage.emplace(str_cat("generating synthetic data in '", config.engine.data_source.string(), "'"));
        generate_data_free_images(config.engine, graph, logger);
    }
    stage.emplace(str_cat("opening data '", config.engine.data_source.string(), "'"));
    const auto data = open_dataset(config.engine, graph.inputs);
    logger.log(LogLevel::Info, str_cat("model ", task.file.string(), ": ", graph.nodes.size(),
                                       " nodes; data: ", data->describe(), "; engine: ", engine.name()));
    // Evaluation data, when configured, serves -e, the optimizer's trials and algorithms.
    std::unique_ptr<DataLoader> eval_data;
    if (config.engine.evaluation_data_source) {
        EngineConfig eval_config = config.engine;
        eval_config.data_source = *config.engine.evaluation_data_source;
        eval_config.annotation = config.engine.evaluation_annotation;
        eval_data = open_dataset(eval_config, graph.inputs);
    }
    const DataLoader& evaluation_data = eval_data ? *eval_data : *data;
    // Without a configured metric (always for a model of a cascade, compared with its own FP32
    // outputs: the annotations score the whole pipeline's output, not this model's).
    if (!metric)
        metric = guard_metric(ctx.registry.create_metric(member ? "agreement" : default_metric_type(evaluation_data),
                                                         "{}", "the default metric"));
    const Graph fp32 = graph;

    stage.reset();
    ConsoleProgress console(logger.level() <= LogLevel::Info);
    StageProgress progress(&console);
    Evaluator evaluator(engine, evaluation_data, fp32, *metric, &progress);
    if (!member && !config.engine.scoring_unsupported.empty())
        evaluator.refuse_scoring(str_cat(options.config.string(), ": cannot evaluate: ",
                                         scoring_unsupported_list(config.engine)));
    Session session(engine, *data, evaluator, config.compression.target_device, logger, &progress);
    session.offer_search(ctx.registry, [] { return staging_cleanup::stop_requested(); },
                         config.engine.metrics.empty() || member ? std::nullopt
                                                                 : config.engine.metrics.front().baseline_value);
    // A search hands over its best model as it goes: saved beside the results at once, so that a
    // run killed before the end still leaves it; removed once the results are in place.
    const OutputStaging& staging = ctx.staging;
    const fs::path best_model = staging.parent() / (task.stem + ".best_so_far.onnx");
    const fs::path best_summary = staging.parent() / (task.stem + ".best_so_far.json");
    bool checkpointed = false;
    session.on_checkpoint([&](const Graph& model, bool meets_target, const nlohmann::json& summary) {
        write_file_atomically(best_model, serialize_onnx(model));
        const nlohmann::json j = {
            {"model", best_model.string()}, {"meets_target", meets_target}, {"config", options.config.string()},
            {"seconds_into_run", seconds_since(ctx.run_start)}, {"pid", static_cast<int64_t>(getpid())},
            {"summary", summary},
            {"note", "the best model found so far by a run that had not finished; the run removes this file "
                     "once its results are written"}};
        write_file_atomically(best_summary, j.dump(2) + "\n");
        if (!checkpointed)
            logger.log(LogLevel::Info, str_cat("the best model so far is kept in ", best_model.string(),
                                               " until the results are written"));
        checkpointed = true;
    });
    session.reserve_result_names({task.stem + ".onnx", task.stem + "_fp32.onnx", "report.json",
                                  result_name("layer_errors.png"), kTuningPlotFile});
    std::optional<StatisticsCache> cache;
    if (config.compression.statistics_cache) {
        cache.emplace(*config.compression.statistics_cache);
        session.use_cache(&*cache);
    }
    std::optional<bool> tuning_met;
    std::string tuning_plot;
    if (optimizer) {
        const StageScope tuning(str_cat("tuning with ", optimizer->name()));
        step = Clock::now();
        TuningLoop loop(pipeline, *optimizer, evaluator, logger);
        // Kept beside the results, not in them: a later run resumes or refines it.
        const fs::path log_file = staging.parent() / (task.stem + ".trials.jsonl");
        const TuningSettings& settings = config.optimizer->tuning;
        const TuningOutcome outcome = loop.run(fp32, session, settings, log_file);
        report["optimizer"] = outcome.report(settings);
        tuning_plot = plot_tuning_trials(outcome, settings);
        tuning_met = outcome.meets_targets;
        report["timings"]["tuning_s"] = seconds_since(step);
        logger.log(LogLevel::Info,
                   str_cat("tuning: ", outcome.trials.size(), " trials (", outcome.resumed, " from ",
                           log_file.string(), "), stopped by ", outcome.stopped_by, "; chose trial ",
                           outcome.best + 1, ": accuracy loss ", outcome.best_trial().measurement.accuracy_loss * 100,
                           " %, speed-up ", outcome.best_trial().measurement.latency_ratio, "x"));
    }
    step = Clock::now();
    // Layer errors compare with the float model the quantizer saw: the same as fp32 unless a
    // function-preserving rewrite (channel alignment) changed intermediate values first.
    Graph float_reference = fp32;
    stage.emplace(member ? str_cat("running the algorithms on '", task.member, "'") : std::string("running the algorithms"));
    Pipeline::StepObserver dump_step;
    if (config.compression.dump_intermediate_model)
        dump_step = [&](size_t index, const std::string& name, const Graph& model) {
            const fs::path folder = staging.dir() / "intermediate";
            fs::create_directories(folder);
            save_onnx(model, folder / result_name(str_cat(index + 1, "_", name, ".onnx")));
        };
    const auto timings = pipeline.run(graph, session, &float_reference, dump_step);
    result.quantize_seconds = seconds_since(step);
    report["timings"]["quantize_s"] = result.quantize_seconds;
    for (const auto& t : timings) report["timings"]["steps"].push_back({{"name", t.name}, {"seconds", t.seconds}});
    report["algorithms"] = pipeline.names();
    result.algorithm_count = report["algorithms"].size();
    if (cache) report["statistics_cache"] = {{"file", cache->file().string()}, {"hits", cache->hits()}};
    report["algorithm_reports"] = session.algorithm_reports();

    step = Clock::now();
    stage.emplace("measuring per-layer errors");
    result.layers = measure_layer_errors(engine, float_reference, graph, *data, kLayerReportSamples);
    report["layers"] = layer_errors_json(result.layers);
    report["timings"]["layer_report_s"] = seconds_since(step);
    if (!result.layers.empty()) plot_layer_errors(result.layers, staging.dir() / result_name("layer_errors.png"));

    const auto model_file = staging.dir() / (task.stem + ".onnx");
    stage.emplace(str_cat("saving '", model_file.string(), "'"));
    save_onnx(graph, model_file);
    if (options.save_model) save_onnx(fp32, staging.dir() / (task.stem + "_fp32.onnx"));
    stage.reset();
    result.model_file = model_file.filename();
    result.fp32_bytes = fs::file_size(task.file);
    result.int8_bytes = fs::file_size(model_file);
    report["files"] = {{"fp32_model", task.file.string()}, {"fp32_bytes", result.fp32_bytes},
                       {"int8_bytes", result.int8_bytes}};

    if (options.evaluate) {
        const StageScope evaluating("evaluating");
        step = Clock::now();
        result.evaluation = evaluator.compare(graph);
        result.evaluation_samples = evaluation_data.size();
        report["evaluation"] = evaluation_json(*result.evaluation, evaluation_data, engine.name(), seconds_since(step));
        if (!config.engine.metrics.empty() && !member) {
            const MetricConfig& m = config.engine.metrics.front();
            if (!m.name.empty()) report["evaluation"]["name"] = m.name;
            if (m.baseline_value) report["evaluation"]["baseline_value"] = *m.baseline_value;
        }
    }
    result.target_met = session.target_met();
    if (tuning_met) result.target_met = *tuning_met;
    if (result.target_met) report["target_met"] = *result.target_met;
    if (!tuning_plot.empty()) {
        write_file_atomically(staging.dir() / kTuningPlotFile, tuning_plot);
        report["files"]["results"].push_back(kTuningPlotFile);
    }
    for (const auto& [name, bytes] : session.result_files()) {
        write_file_atomically(staging.dir() / result_name(name), bytes);
        report["files"]["results"].push_back(result_name(name));
    }
    if (checkpointed) checkpoint_files.insert(checkpoint_files.end(), {best_model, best_summary});
    return result;
}

}  // namespace

JobResult run_quantization_job(const JobOptions& options, Logger& logger) {
    const auto config = load_config(options.config);
    for (const auto& w : config.warnings) logger.log(LogLevel::Warning, str_cat(options.config.string(), ": ", w));
    check_config_paths(config);
    const StageScope job_stage(str_cat("quantizing '", config.model.name, "'"));
    JobResult result;
    result.model_name = config.model.name;
    nlohmann::json& report = result.report;
    report["config"] = config.json;
    const auto run_start = Clock::now();

    Registry registry;
    std::optional<StageScope> stage(std::in_place, "loading plugins");
    for (const auto& s : load_plugin_dirs(registry, options.plugin_dirs))
        logger.log(LogLevel::Warning, "skipped plugin " + s.reason);
    stage.reset();
    for (const auto& e : registry.entries())
        report["plugins"].push_back({{"kind", kind_name(e.kind)}, {"name", e.name},
                                     {"version", e.version}, {"library", e.file.string()}});

    // Resolve everything the config names before any heavy work, so config errors come first.
    const bool cascade = !config.model.cascade.empty();
    POT_CHECK_KIND(Config, !options.evaluate || cascade || config.engine.scoring_unsupported.empty(),
                   options.config.string(), ": -e: cannot evaluate: ", scoring_unsupported_list(config.engine));
    std::deque<Pipeline> pipelines;  // stable addresses: tasks point at them
    std::vector<ModelTask> tasks;
    if (cascade) {
        for (const auto& m : config.model.cascade) {
            pipelines.emplace_back(registry, m.algorithms);
            tasks.push_back({config.model.name + "_" + m.name, m.model, &pipelines.back(), m.name});
        }
    } else {
        pipelines.emplace_back(registry, config.compression.algorithms);
        tasks.push_back({config.model.name, config.model.model, &pipelines.back(), ""});
    }
    auto engine = create_engine(registry, config.engine.backend, config.engine.params_json,
                                config.engine.threads, "/engine/backend");
    auto optimizer = cascade ? nullptr : create_optimizer(registry, config, pipelines.front(), logger, report);
    auto metric = cascade ? nullptr : configured_metric(registry, config);

    stage.emplace(str_cat("preparing output folder '", options.output_dir.string(), "'"));
    OutputStaging staging(options.output_dir, config.model.name,
                          options.direct_dump ? OutputStaging::Layout::Direct : OutputStaging::Layout::Timestamped,
                          results_timestamp());
    for (const auto& stale : staging.removed_stale())
        logger.log(LogLevel::Info, "removed " + stale.string() + " left by an interrupted run");
    stage.reset();

    JobContext ctx{options, config, logger, registry, *engine, staging, run_start};
    for (size_t i = 0; i < tasks.size(); ++i) load_task(tasks[i], *engine, cascade ? report["models"][i] : report);
    // A search's best model so far, kept beside the results until they are in place.
    std::vector<fs::path> checkpoint_files;
    for (size_t i = 0; i < tasks.size(); ++i) {
        nlohmann::json& section = cascade ? report["models"][i] : report;
        if (cascade) section["name"] = tasks[i].member;
        const bool generate = i == 0 && config.engine.synthetic && config.engine.synthetic->generate;
        // The configured metric goes to the single model; a cascade has none.
        JobResult one = quantize_model(ctx, tasks[i], optimizer.get(), std::move(metric), section, generate,
                                       checkpoint_files);
        if (!cascade) {
            // The sections went into result.report already.
            one.report = std::move(result.report);
            result = std::move(one);
            break;
        }
        result.algorithm_count = std::max(result.algorithm_count, one.algorithm_count);
        result.quantize_seconds += one.quantize_seconds;
        result.fp32_bytes += one.fp32_bytes;
        result.int8_bytes += one.int8_bytes;
        // The cascade meets its targets when every model that has one does.
        if (one.target_met) result.target_met = result.target_met.value_or(true) && *one.target_met;
        result.models.push_back(std::move(one));
    }
    if (cascade && result.target_met) report["target_met"] = *result.target_met;
    report["timings"]["total_s"] = seconds_since(run_start);
    report["abi"] = str_cat(POT_ABI_MAJOR, ".", POT_ABI_MINOR);
    stage.emplace(str_cat("writing the results into '", options.output_dir.string(), "'"));
    result.results_dir = staging.commit([&](const fs::path& final_dir) {
        if (cascade) {
            for (size_t i = 0; i < result.models.size(); ++i) {
                auto& m = result.models[i];
                m.results_dir = final_dir;
                m.model_file = final_dir / m.model_file.filename();
                report["models"][i]["files"]["int8_model"] = m.model_file.string();
            }
        } else {
            result.model_file = final_dir / result.model_file.filename();
            report["files"]["int8_model"] = result.model_file.string();
        }
        write_file_atomically(staging.dir() / "report.json", report.dump(2) + "\n");
    });
    std::error_code ignored;  // a file left behind says only what the results say too
    for (const auto& f : checkpoint_files) fs::remove(f, ignored);
    return result;
}

}  // namespace pot::core
