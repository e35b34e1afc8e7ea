#include "pot/core/tuning_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

#include "pot/core/failure_context.hpp"
#include "pot/core/plugin_boundary.hpp"
#include "pot/error.hpp"

namespace pot::core {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double minutes_since(Clock::time_point start) {
    return std::chrono::duration<double, std::ratio<60>>(Clock::now() - start).count();
}

const char* load_method_name(TrialsLoadMethod m) {
    switch (m) {
        case TrialsLoadMethod::ColdStart: return "cold_start";
        case TrialsLoadMethod::WarmStart: return "warm_start";
        case TrialsLoadMethod::FineTune: return "fine_tune";
        case TrialsLoadMethod::Eval: return "eval";
    }
    return "?";
}

// What the engine's speed depends on: the ops, how values flow, and for each FakeQuantize its
// levels, its bounds' shapes (per tensor or per channel) and signs (symmetric or not, signed or
// not); not the values of weights or ranges. Trials that differ only in ranges share a latency
// measurement, which saves the time and keeps measurement noise out of their comparison.
std::string structure_key(const Graph& graph) {
    std::string key;
    for (const auto& node : graph.nodes) {
        key += node.op_type;
        for (const auto& in : node.inputs) {
            key += '|';
            if (!graph.is_constant(in)) {
                key += in;
                continue;
            }
            const Tensor& t = graph.constant(in);
            key += shape_str(t.shape());
            if (node.op_type == kFakeQuantizeOp && t.dtype() == DType::F32 && t.numel() > 0) {
                const float* v = t.data<float>();
                key += v[0] < 0 ? "-" : v[0] == 0 ? "0" : "+";
            }
        }
        key += '>';
        for (const auto& out : node.outputs) key += out + ',';
        if (node.op_type == kFakeQuantizeOp) key += str_cat("L", node.attr_int("levels", 0));
        key += ';';
    }
    return key;
}

// The share of choices that keep a layer quantized, among dimensions offering "float".
double quantized_ratio(const SearchSpace& space, const Trial& trial) {
    size_t tunable = 0, quantized = 0;
    for (const auto& d : space.dimensions) {
        if (std::find(d.choices.begin(), d.choices.end(), kFloatChoice) == d.choices.end()) continue;
        ++tunable;
        if (trial.choice.at(d.name) != kFloatChoice) ++quantized;
    }
    return tunable ? static_cast<double>(quantized) / static_cast<double>(tunable) : 1.0;
}

void check_trial(const SearchSpace& space, const Trial& trial, const std::string& optimizer) {
    for (const auto& d : space.dimensions) {
        auto it = trial.choice.find(d.name);
        POT_CHECK(it != trial.choice.end(), "optimizer ", optimizer, " proposed a trial without a choice for '",
                  d.name, "'");
        POT_CHECK(std::find(d.choices.begin(), d.choices.end(), it->second) != d.choices.end(), "optimizer ",
                  optimizer, " proposed '", it->second, "' for '", d.name, "', which is not one of its choices");
    }
    POT_CHECK(trial.choice.size() == space.dimensions.size(), "optimizer ", optimizer,
              " proposed choices for dimensions the search space does not have");
}

// Statistics collected during the run are kept in memory, and forgotten afterwards.
class MemoizeStatistics {
public:
    explicit MemoizeStatistics(Session& s) : session_(s) { session_.memoize_statistics(true); }
    ~MemoizeStatistics() { session_.memoize_statistics(false); }
    MemoizeStatistics(const MemoizeStatistics&) = delete;
    MemoizeStatistics& operator=(const MemoizeStatistics&) = delete;

private:
    Session& session_;
};

}  // namespace

double search_space_points(const SearchSpace& space) {
    double points = 1;
    for (const auto& d : space.dimensions) points *= static_cast<double>(d.choices.size());
    return points;
}

std::vector<size_t> TuningOutcome::pareto_front() const {
    std::vector<size_t> front;
    for (size_t i = 0; i < trials.size(); ++i) {
        if (trials[i].repeat_of) continue;
        const auto& a = trials[i].measurement;
        bool dominated = false;
        for (size_t j = 0; j < trials.size() && !dominated; ++j) {
            if (j == i || trials[j].repeat_of) continue;
            const auto& b = trials[j].measurement;
            const bool no_worse = b.accuracy_loss <= a.accuracy_loss && b.latency_ratio >= a.latency_ratio;
            const bool better = b.accuracy_loss < a.accuracy_loss || b.latency_ratio > a.latency_ratio;
            // Of two identical results the earlier one stands for both.
            dominated = no_worse && (better || j < i);
        }
        if (!dominated) front.push_back(i);
    }
    std::sort(front.begin(), front.end(), [&](size_t a, size_t b) {
        return trials[a].measurement.accuracy_loss < trials[b].measurement.accuracy_loss;
    });
    return front;
}

nlohmann::json TuningOutcome::report(const TuningSettings& settings) const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : trials) list.push_back(t.to_json());
    nlohmann::json j = {
        {"name", optimizer},
        {"used", true},
        {"trials_load_method", load_method_name(settings.load_method)},
        {"trial_log", log_file.string()},
        {"metric", header.metric},
        {"fp32_metric", header.fp32_metric},
        {"fp32_latency_ms", header.fp32_latency_ms ? nlohmann::json(*header.fp32_latency_ms) : nlohmann::json()},
        {"samples", header.eval_samples},
        {"search_space",
         {{"dimensions", header.space.dimensions.size()},
          {"points", search_space_points(header.space)}}},
        {"targets",
         {{"accuracy_loss_percent", settings.targets.accuracy_loss},
          {"latency_reduce", settings.targets.latency_reduce},
          {"accuracy_weight", settings.targets.accuracy_weight},
          {"latency_weight", settings.targets.latency_weight}}},
        {"trials", list},
        {"resumed_trials", resumed},
        {"stopped_by", stopped_by},
        {"meets_targets", meets_targets},
        {"pareto_front", pareto_front()}};
    if (!trials.empty()) {
        j["best"] = trials[best].to_json();
        j["best"]["index"] = best;
    }
    if (!header.fine_tuned_from.is_null()) j["fine_tuned_from"] = header.fine_tuned_from;
    return j;
}

TuningLoop::TuningLoop(Pipeline& pipeline, Optimizer& optimizer, Evaluator& evaluator, Logger& logger)
    : pipeline_(pipeline), optimizer_(optimizer), evaluator_(evaluator), logger_(logger) {}

SearchSpace TuningLoop::search_space(const Graph& float_model, const std::string& target_device) const {
    // Each algorithm's dimensions are prefixed with its unique name, so two MinMax steps tune apart.
    SearchSpace space;
    for (const auto& step : pipeline_.tunables()) {
        if (auto* aware = dynamic_cast<TargetDeviceAware*>(step.tunable))
            call_plugin(step.origin, "set_target_device", [&] { aware->set_target_device(target_device); });
        for (auto d : call_plugin(step.origin, "search_space",
                                  [&] { return step.tunable->search_space(float_model).dimensions; })) {
            POT_CHECK(!d.choices.empty(), step.origin.object, " search_space: dimension '", d.name,
                      "' has no choices");
            d.name = step.prefix + "/" + d.name;
            space.dimensions.push_back(std::move(d));
        }
    }
    POT_CHECK_KIND(Config, !space.dimensions.empty(), "optimizer: the tunable algorithms offer no choices");
    return space;
}

void TuningLoop::set_trial(const Trial& trial) const {
    for (const auto& step : pipeline_.tunables()) {
        Trial part;
        part.id = trial.id;
        const std::string prefix = step.prefix + "/";
        for (const auto& [key, value] : trial.choice)
            if (key.rfind(prefix, 0) == 0) part.choice[key.substr(prefix.size())] = value;
        call_plugin(step.origin, "set_trial", [&] { step.tunable->set_trial(part); });
    }
}

TuningOutcome TuningLoop::run(const Graph& float_model, Session& session, const TuningSettings& settings,
                              const fs::path& log_file) {
    POT_CHECK_KIND(Config, settings.max_trials >= 1, "optimizer: max_trials must be >= 1, got ", settings.max_trials);
    POT_CHECK_KIND(Config, !pipeline_.tunables().empty(),
                   "optimizer: no algorithm of the pipeline has tunable choices");
    const auto start = Clock::now();
    const MemoizeStatistics memo(session);
    TuningOutcome outcome;
    outcome.optimizer = optimizer_.name();
    outcome.log_file = log_file;
    TuningObjective objective(settings.targets);

    // What an earlier run left, when this one builds on it.
    std::optional<TrialLog::Content> earlier;
    TrialsLoadMethod method = settings.load_method;
    if (method != TrialsLoadMethod::ColdStart) {
        if (fs::exists(log_file)) {
            earlier = TrialLog::read(log_file);
            if (earlier->truncated_tail)
                logger_.log(LogLevel::Warning, str_cat(log_file.string(), ": the last trial was cut short; skipped"));
        }
        // A log whose first trial never finished holds nothing to build on.
        if (earlier && earlier->trials.empty()) earlier.reset();
        POT_CHECK_KIND(Config, earlier || method != TrialsLoadMethod::Eval, "optimizer: trials_load_method eval needs "
                       "the trial log of an earlier run, and there is no trial in ", log_file.string());
        if (!earlier) {
            logger_.log(LogLevel::Info, str_cat("no earlier trials in ", log_file.string(), "; ",
                                                load_method_name(method), " starts afresh"));
            method = TrialsLoadMethod::ColdStart;
        }
    }
    const auto best_of = [&](const std::vector<TrialRecord>& trials) {
        size_t best = 0;
        for (size_t i = 1; i < trials.size(); ++i)
            if (better_trial(objective, trials[i].measurement, trials[i].loss, trials[best].measurement,
                             trials[best].loss))
                best = i;
        return best;
    };

    if (method == TrialsLoadMethod::Eval || method == TrialsLoadMethod::WarmStart) {
        outcome.header = earlier->header;
        objective.restore(outcome.header.scales);
        outcome.trials = earlier->trials;
        outcome.resumed = outcome.trials.size();
        outcome.best = best_of(outcome.trials);
    }
    if (method == TrialsLoadMethod::Eval) {
        POT_CHECK_KIND(Config, !outcome.trials.empty(), log_file.string(), ": the trial log holds no trial to evaluate");
        outcome.stopped_by = "eval";
        outcome.meets_targets = objective.meets_targets(outcome.best_trial().measurement);
        set_trial(outcome.best_trial().trial);
        logger_.log(LogLevel::Info, str_cat("using trial ", outcome.best, " of ", log_file.string()));
        return outcome;
    }

    std::vector<size_t> indices(settings.eval_subset_size ? std::min(settings.eval_subset_size, evaluator_.data().size())
                                                          : evaluator_.data().size());
    std::iota(indices.begin(), indices.end(), size_t{0});
    // Latency per model structure (structure_key), measured once each.
    std::map<std::string, double> latency_by_structure;
    const auto remember_latency = [&](const std::string& key, const BenchmarkResult& timed) {
        const double ms = timed.latency_median_ms;
        POT_CHECK(std::isfinite(ms) && ms > 0, "the engine measured a latency of ", ms, " ms");
        latency_by_structure.emplace(key, ms);
        return ms;
    };

    std::unique_ptr<TrialLog> log;
    if (method == TrialsLoadMethod::WarmStart) {
        log = std::make_unique<TrialLog>(log_file);
        logger_.log(LogLevel::Info, str_cat("continuing ", outcome.resumed, " trials of ", log_file.string(),
                                            " up to ", settings.max_trials));
    } else {
        if (method == TrialsLoadMethod::FineTune) {
            const auto& from = earlier->trials[best_of(earlier->trials)];
            // The tunables derive the new space around the choices last set.
            set_trial(from.trial);
            outcome.header.fine_tuned_from = from.to_json();
            logger_.log(LogLevel::Info, str_cat("fine-tuning around trial ", from.trial.id, " of ", log_file.string()));
        }
        const StageScope stage("measuring the float model");
        outcome.header.optimizer = outcome.optimizer;
        outcome.header.space = search_space(float_model, session.target_device());
        outcome.header.metric = evaluator_.metric().name();
        outcome.header.eval_samples = indices.size();
        outcome.header.fp32_metric =
            settings.baseline_value ? *settings.baseline_value : evaluator_.evaluate_float(indices).value;
        if (settings.benchmark)
            outcome.header.fp32_latency_ms =
                remember_latency(structure_key(float_model), evaluator_.latency(float_model, *settings.benchmark));
    }
    const SearchSpace& space = outcome.header.space;
    if (method == TrialsLoadMethod::WarmStart)
        POT_CHECK_KIND(Config, outcome.header.eval_samples == indices.size(), "optimizer: the trials in ",
                       log_file.string(), " were scored on ", outcome.header.eval_samples,
                       " evaluation samples, this run would score on ", indices.size(),
                       "; keep eval_subset_size and the evaluation data, or use cold_start");
    // The optimizer learns from the earlier trials as if it had proposed them.
    for (const auto& t : outcome.trials) optimizer_.tell(t.trial, t.loss);

    std::map<std::map<std::string, std::string>, size_t> seen;
    for (size_t i = 0; i < outcome.trials.size(); ++i) seen.emplace(outcome.trials[i].trial.choice, i);
    const auto fp32 = outcome.header.fp32_metric;
    const auto run_trial = [&](const Trial& trial) {
        TrialRecord record;
        record.trial = trial;
        const auto trial_start = Clock::now();
        if (auto it = seen.find(trial.choice); it != seen.end()) {
            const TrialRecord& earlier_record = outcome.trials[it->second];
            record.metric = earlier_record.metric;
            record.measurement = earlier_record.measurement;
            record.latency_ms = earlier_record.latency_ms;
            record.repeat_of = it->second;
            return std::make_pair(record, std::optional<Graph>());
        }
        set_trial(trial);
        Graph graph = float_model;
        pipeline_.run(graph, session);
        // A structure not timed yet is timed on the model compiled for its evaluation.
        std::string key;
        const BenchmarkOptions* timing = nullptr;
        if (settings.benchmark) {
            key = structure_key(graph);
            auto known = latency_by_structure.find(key);
            if (known != latency_by_structure.end())
                record.latency_ms = known->second;
            else
                timing = &*settings.benchmark;
        }
        const auto [r, timed] = evaluator_.evaluate_and_time(graph, indices, timing);
        if (timed) record.latency_ms = remember_latency(key, *timed);
        record.metric = r.value;
        const double drop = r.higher_is_better ? fp32 - r.value : r.value - fp32;
        record.measurement.accuracy_loss = fp32 != 0 ? drop / std::abs(fp32) : drop;
        if (record.latency_ms && outcome.header.fp32_latency_ms)
            record.measurement.latency_ratio = *outcome.header.fp32_latency_ms / *record.latency_ms;
        record.measurement.quantized_ratio = quantized_ratio(space, trial);
        record.seconds = std::chrono::duration<double>(Clock::now() - trial_start).count();
        return std::make_pair(record, std::optional<Graph>(std::move(graph)));
    };

    const auto finish_trial = [&](TrialRecord record, std::optional<Graph> model) {
        record.loss = objective.loss(record.measurement);
        record.minutes_into_run = minutes_since(start);
        if (!record.repeat_of) seen.emplace(record.trial.choice, outcome.trials.size());
        log->append(record);
        const size_t index = outcome.trials.size();
        outcome.trials.push_back(record);
        const auto& m = record.measurement;
        logger_.log(LogLevel::Info,
                    str_cat(outcome.optimizer, " trial ", index + 1, "/", settings.max_trials, ": accuracy loss ",
                            m.accuracy_loss * 100, " %, speed-up ", m.latency_ratio, "x, loss ", record.loss,
                            record.repeat_of ? str_cat(" (the same choices as trial ", *record.repeat_of + 1, ")") : ""));
        // A repeat has an earlier trial's measurement, so it never improves: an improving trial
        // always comes with its model.
        const bool improves = index == 0 || better_trial(objective, m, record.loss, outcome.best_trial().measurement,
                                                         outcome.best_trial().loss);
        if (!improves || !model) return;
        outcome.best = index;
        const nlohmann::json summary = {{"trial", index}, {"choice", record.trial.choice},
                                        {"accuracy_loss", m.accuracy_loss}, {"latency_ratio", m.latency_ratio},
                                        {"loss", record.loss}, {"trial_log", log_file.string()}};
        session.checkpoint(*model, objective.meets_targets(m), summary.dump());
    };

    if (method != TrialsLoadMethod::WarmStart) {
        // The base configuration first (every dimension's first choice): it calibrates the loss,
        // as POT's first iteration does.
        Trial base;
        base.id = -1;
        for (const auto& d : space.dimensions) base.choice[d.name] = d.choices.front();
        const StageScope stage(str_cat(outcome.optimizer, " trial 1 of ", settings.max_trials, " (the base configuration)"));
        auto [record, model] = run_trial(base);
        objective.calibrate(record.measurement);
        outcome.header.scales = objective.scales();
        log = std::make_unique<TrialLog>(log_file, outcome.header);
        optimizer_.tell(record.trial, objective.loss(record.measurement));
        finish_trial(std::move(record), std::move(model));
    }

    outcome.stopped_by = "max_trials";
    while (static_cast<int64_t>(outcome.trials.size()) < settings.max_trials) {
        if (settings.stop_on_target && objective.meets_targets(outcome.best_trial().measurement)) {
            outcome.stopped_by = "stop_on_target";
            break;
        }
        if (session.stop_requested()) {
            outcome.stopped_by = "interrupted";
            break;
        }
        if (settings.max_minutes > 0 && minutes_since(start) >= settings.max_minutes) {
            outcome.stopped_by = "max_minutes";
            logger_.log(LogLevel::Info, str_cat("tuning: the time limit of ", settings.max_minutes, " minutes is reached"));
            break;
        }
        const size_t n = outcome.trials.size() + 1;
        const StageScope stage(str_cat(outcome.optimizer, " trial ", n, " of ", settings.max_trials));
        const Trial trial = optimizer_.ask(space);
        check_trial(space, trial, outcome.optimizer);
        auto [record, model] = run_trial(trial);
        optimizer_.tell(trial, objective.loss(record.measurement));
        finish_trial(std::move(record), std::move(model));
    }
    outcome.meets_targets = objective.meets_targets(outcome.best_trial().measurement);
    set_trial(outcome.best_trial().trial);
    return outcome;
}

}  // namespace pot::core
