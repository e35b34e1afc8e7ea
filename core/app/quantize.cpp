#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "engine_choice.hpp"
#include "pot/core/config.hpp"
#include "pot/core/dataset.hpp"
#include "pot/core/failure_context.hpp"
#include "pot/core/graph_transforms.hpp"
#include "pot/core/layer_report.hpp"
#include "pot/core/log.hpp"
#include "pot/core/metrics.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/output_staging.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/registry.hpp"
#include "pot/core/session.hpp"
#include "pot/abi.h"
#include "pot/error.hpp"

namespace pot::app {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Samples the per-layer error report runs through both models: enough for stable cosine and SQNR.
constexpr size_t kLayerReportSamples = 16;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Evaluation {
    std::string metric;
    double fp32 = 0, int8 = 0;
    std::optional<double> mean_cosine;
    std::optional<core::OutcomeChanges> changes;
};

Evaluation evaluate_models(Engine& engine, const Graph& fp32, const Graph& int8,
                           const DataLoader& data, Progress* progress) {
    Evaluation result;
    const bool labelled = data.size() > 0 && data.get(0).label.has_value();
    if (labelled) {
        core::Top1Accuracy accuracy;
        engine.set_model(fp32);
        result.fp32 = engine.evaluate(data, accuracy, {}, progress);
        const auto fp32_outcomes = accuracy.outcomes();
        engine.set_model(int8);
        result.int8 = engine.evaluate(data, accuracy, {}, progress);
        result.changes = core::compare_outcomes(fp32_outcomes, accuracy.outcomes());
        result.metric = accuracy.name();
        return result;
    }
    core::ReferenceOutputs reference;
    engine.set_model(fp32);
    engine.evaluate(data, reference, {}, progress);
    core::Top1Agreement agreement(reference);
    engine.set_model(int8);
    result.int8 = engine.evaluate(data, agreement, {}, progress);
    result.fp32 = 100.0;
    result.metric = agreement.name();
    result.mean_cosine = agreement.mean_cosine();
    return result;
}

// Quantizes the model once per trial the optimizer proposes, scoring each by its accuracy drop
// (labelled data) or top-1 disagreement with FP32 (unlabelled) on the first `subset` samples, and
// leaves the best trial set on the tunable algorithms. Returns the report section.
nlohmann::json tune(core::Pipeline& pipeline, Optimizer& optimizer, const core::OptimizerConfig& oc,
                    Engine& engine, const Graph& fp32, core::Session& session, const DataLoader& data,
                    core::Logger& logger) {
    const auto tunables = pipeline.tunables();
    SearchSpace space;
    for (const auto& [prefix, tunable] : tunables)
        for (auto d : tunable->search_space(fp32).dimensions) {
            d.name = prefix + "/" + d.name;
            space.dimensions.push_back(std::move(d));
        }
    std::vector<size_t> indices(oc.eval_subset_size ? std::min(oc.eval_subset_size, data.size()) : data.size());
    std::iota(indices.begin(), indices.end(), size_t{0});
    const bool labelled = data.size() > 0 && data.get(0).label.has_value();
    core::Top1Accuracy accuracy;
    core::ReferenceOutputs reference;
    engine.set_model(fp32);
    const double fp32_accuracy = labelled ? engine.evaluate(data, accuracy, indices, nullptr)
                                          : (engine.evaluate(data, reference, indices, nullptr), 100.0);
    const auto apply = [&](const Trial& trial) {
        for (const auto& [prefix, tunable] : tunables) {
            Trial part;
            part.id = trial.id;
            for (const auto& [key, value] : trial.choice)
                if (key.rfind(prefix + "/", 0) == 0) part.choice[key.substr(prefix.size() + 1)] = value;
            tunable->set_trial(part);
        }
    };
    nlohmann::json trials = nlohmann::json::array();
    std::optional<Trial> best;
    double best_score = 0.0;
    for (int64_t i = 0; i < oc.trials; ++i) {
        const core::StageScope stage(
            str_cat(optimizer.name(), " trial ", i + 1, " of ", oc.trials));
        const Trial trial = optimizer.ask(space);
        apply(trial);
        Graph graph = fp32;
        pipeline.run(graph, session);
        engine.set_model(graph);
        double score;
        if (labelled) {
            score = fp32_accuracy - engine.evaluate(data, accuracy, indices, nullptr);
        } else {
            core::Top1Agreement agreement(reference);
            score = 100.0 - engine.evaluate(data, agreement, indices, nullptr);
        }
        optimizer.tell(trial, score);
        trials.push_back({{"trial", i}, {"choice", trial.choice}, {"score", score}});
        logger.log(LogLevel::Info, str_cat(optimizer.name(), " trial ", i + 1, "/", oc.trials, ": score ", score));
        if (!best || score < best_score) {
            best = trial;
            best_score = score;
        }
    }
    apply(*best);
    return {{"name", optimizer.name()}, {"used", true}, {"samples", indices.size()},
            {"score", labelled ? "accuracy drop in points (lower is better)"
                               : "top-1 disagreement with FP32 in percent (lower is better)"},
            {"trials", trials}, {"best", {{"choice", best->choice}, {"score", best_score}}}};
}

void write_text_atomically(const fs::path& file, const std::string& text) {
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        POT_CHECK_KIND(Runtime, out.good(), "cannot write '", tmp.string(), "'");
    }
    fs::rename(tmp, file);
}

}  // namespace

int run_quantize(const QuantizeOptions& options) {
    core::Logger logger(core::parse_log_level(options.log_level));
    const auto config = core::load_config(options.config);
    const core::StageScope job_stage(str_cat("quantizing '", config.model.name, "'"));
    nlohmann::json report;
    report["config"] = config.json;
    const auto run_start = Clock::now();

    core::Registry registry;
    std::optional<core::StageScope> stage(std::in_place, "loading plugins");
    for (const auto& s : load_plugins(registry, options.plugins))
        logger.log(LogLevel::Warning, "skipped plugin " + s);
    stage.reset();
    for (const auto& e : registry.entries())
        report["plugins"].push_back({{"kind", core::kind_name(e.kind)}, {"name", e.name},
                                     {"version", e.version}, {"library", e.file.string()}});

    // Resolve everything the config names before any heavy work, so config errors come first.
    core::Pipeline pipeline(registry, config.compression.algorithms);
    auto engine = create_engine(registry, config.engine.backend, config.engine.params_json,
                                "/engine/backend");
    engine->set_options(EngineOptions{config.engine.threads});
    // Created with the rest so that a wrong name or parameter fails before any work.
    core::PluginPtr<Optimizer> optimizer;
    if (config.optimizer) {
        optimizer = registry.create_optimizer(config.optimizer->name, config.optimizer->params_json, "/optimizer");
        if (pipeline.tunables().empty()) {
            logger.log(LogLevel::Warning, str_cat("optimizer ", optimizer->name(), ": no algorithm in "
                                                  "compression.algorithms has tunable choices; not used"));
            report["optimizer"] = {{"name", optimizer->name()}, {"used", false}};
            optimizer.reset();
        }
    }

    stage.emplace(str_cat("preparing output folder '", options.output_dir.string(), "'"));
    core::OutputStaging staging(options.output_dir, config.model.name,
                                options.direct_dump ? core::OutputStaging::Layout::Direct
                                                    : core::OutputStaging::Layout::Timestamped,
                                core::results_timestamp());
    for (const auto& stale : staging.removed_stale())
        logger.log(LogLevel::Info, "removed " + stale.string() + " left by an interrupted run");

    auto step = Clock::now();
    stage.emplace(str_cat("loading model '", config.model.model.string(), "'"));
    Graph graph = core::load_onnx(config.model.model);
    core::optimize_graph(graph);
    report["timings"]["load_model_s"] = seconds_since(step);
    // Compiling the model first reports an op the engine cannot run before any other work.
    stage.emplace(str_cat("compiling model '", config.model.model.string(), "'"));
    engine->set_model(graph);
    POT_CHECK_KIND(Input, graph.inputs.size() == 1, config.model.model.string(), ": the model has ",
                   graph.inputs.size(), " inputs; data sources feed models with one input");
    stage.emplace(str_cat("opening data '", config.engine.data_source.string(), "'"));
    const auto data = core::open_dataset(config.engine, graph.inputs[0]);
    logger.log(LogLevel::Info, str_cat("model ", config.model.model.string(), ": ", graph.nodes.size(),
                                       " nodes; data: ", data->describe(), "; engine: ", engine->name()));
    // Evaluation data, when configured, serves both -e and the optimizer's trials.
    std::unique_ptr<DataLoader> eval_data;
    if ((options.evaluate || optimizer) && config.engine.evaluation_data_source) {
        core::EngineConfig eval_config = config.engine;
        eval_config.data_source = *config.engine.evaluation_data_source;
        eval_config.annotation = config.engine.evaluation_annotation;
        eval_data = core::open_dataset(eval_config, graph.inputs[0]);
    }
    const Graph fp32 = graph;

    stage.reset();
    core::ConsoleProgress console(logger.level() <= LogLevel::Info);
    core::StageProgress progress(&console);
    core::Session session(*engine, *data, config.compression.target_device, logger, &progress);
    std::optional<core::StatisticsCache> cache;
    if (config.compression.statistics_cache) {
        cache.emplace(*config.compression.statistics_cache);
        session.use_cache(&*cache);
    }
    if (optimizer) {
        const core::StageScope tuning(str_cat("tuning with ", optimizer->name()));
        step = Clock::now();
        report["optimizer"] = tune(pipeline, *optimizer, *config.optimizer, *engine, fp32, session,
                                   eval_data ? *eval_data : *data, logger);
        report["timings"]["tuning_s"] = seconds_since(step);
    }
    step = Clock::now();
    // Layer errors compare with the float model the quantizer saw: the same as fp32 unless a
    // function-preserving rewrite (channel alignment) changed intermediate values first.
    Graph float_reference = fp32;
    stage.emplace("running the algorithms");
    const auto timings = pipeline.run(graph, session, &float_reference);
    report["timings"]["quantize_s"] = seconds_since(step);
    for (const auto& t : timings) report["timings"]["steps"].push_back({{"name", t.name}, {"seconds", t.seconds}});
    report["algorithms"] = pipeline.names();
    if (cache) report["statistics_cache"] = {{"file", cache->file().string()}, {"hits", cache->hits()}};
    report["algorithm_reports"] = session.algorithm_reports();

    step = Clock::now();
    stage.emplace("measuring per-layer errors");
    const auto layers = core::measure_layer_errors(*engine, float_reference, graph, *data, kLayerReportSamples);
    report["layers"] = core::layer_errors_json(layers);
    report["timings"]["layer_report_s"] = seconds_since(step);
    if (!layers.empty()) core::plot_layer_errors(layers, staging.dir() / "layer_errors.png");

    const auto model_file = staging.dir() / (config.model.name + ".onnx");
    stage.emplace(str_cat("saving '", model_file.string(), "'"));
    core::save_onnx(graph, model_file);
    if (options.save_model) core::save_onnx(fp32, staging.dir() / (config.model.name + "_fp32.onnx"));
    stage.reset();
    const auto fp32_size = fs::file_size(config.model.model);
    const auto int8_size = fs::file_size(model_file);
    report["files"] = {{"fp32_model", config.model.model.string()}, {"fp32_bytes", fp32_size},
                       {"int8_bytes", int8_size}};

    std::cout << "Quantized " << config.model.name << " with " << pipeline.names().size()
              << " algorithm(s) in " << std::fixed << std::setprecision(2)
              << report["timings"]["quantize_s"].get<double>() << " s\n";
    std::cout << "  FP32 model: " << fp32_size << " bytes\n  INT8 model: " << int8_size << " bytes ("
              << std::setprecision(1) << 100.0 * static_cast<double>(int8_size) / static_cast<double>(fp32_size)
              << "% of FP32)\n";

    if (!layers.empty()) std::cout << core::layer_errors_table(layers, 10);

    if (options.evaluate) {
        const core::StageScope evaluating("evaluating");
        step = Clock::now();
        const DataLoader& data_for_eval = eval_data ? *eval_data : *data;
        const auto eval = evaluate_models(*engine, fp32, graph, data_for_eval, &progress);
        report["evaluation"] = {{"metric", eval.metric}, {"fp32", eval.fp32}, {"int8", eval.int8},
                                {"drop", eval.fp32 - eval.int8}, {"samples", data_for_eval.size()},
                                {"data", data_for_eval.describe()},
                                {"engine", engine->name()}, {"seconds", seconds_since(step)}};
        if (eval.mean_cosine) report["evaluation"]["mean_cosine"] = *eval.mean_cosine;
        if (eval.changes)
            report["evaluation"]["changed"] = {{"fixed", eval.changes->fixed},
                                               {"broken", eval.changes->broken},
                                               {"drop_standard_error", eval.changes->standard_error_points()}};
        std::cout << std::setprecision(2) << "  " << eval.metric << " on " << data_for_eval.size()
                  << " samples: FP32 " << eval.fp32 << "%, INT8 " << eval.int8 << "% (drop "
                  << eval.fp32 - eval.int8 << " points)\n";
        if (eval.changes)
            std::cout << "  INT8 changed " << eval.changes->fixed + eval.changes->broken
                      << " predictions: " << eval.changes->fixed << " now right, " << eval.changes->broken
                      << " now wrong (standard error of the drop " << std::setprecision(2)
                      << eval.changes->standard_error_points() << " points)\n";
        if (eval.mean_cosine)
            std::cout << std::setprecision(4) << "  mean cosine similarity INT8 vs FP32: " << *eval.mean_cosine << "\n";
    }
    report["timings"]["total_s"] = seconds_since(run_start);
    report["abi"] = str_cat(POT_ABI_MAJOR, ".", POT_ABI_MINOR);
    stage.emplace(str_cat("writing the results into '", options.output_dir.string(), "'"));
    const fs::path results = staging.commit([&](const fs::path& final_dir) {
        report["files"]["int8_model"] = (final_dir / model_file.filename()).string();
        write_text_atomically(staging.dir() / "report.json", report.dump(2) + "\n");
    });
    std::cout << "  results: " << results.string() << "\n";
    return 0;
}

}  // namespace pot::app
