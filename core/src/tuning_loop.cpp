#include "pot/core/tuning_loop.hpp"

#include <numeric>

#include "pot/core/failure_context.hpp"
#include "pot/error.hpp"

namespace pot::core {

nlohmann::json TuningOutcome::report() const {
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < trials.size(); ++i)
        list.push_back({{"trial", i}, {"choice", trials[i].trial.choice}, {"score", trials[i].score}});
    return {{"name", optimizer}, {"used", true}, {"samples", samples}, {"score", score}, {"trials", list},
            {"best", {{"choice", best.trial.choice}, {"score", best.score}}}};
}

TuningLoop::TuningLoop(Pipeline& pipeline, Optimizer& optimizer, Evaluator& evaluator, Logger& logger)
    : pipeline_(pipeline), optimizer_(optimizer), evaluator_(evaluator), logger_(logger) {}

SearchSpace TuningLoop::search_space(const Graph& float_model) const {
    // Each algorithm's dimensions are prefixed with its unique name, so two MinMax steps tune apart.
    SearchSpace space;
    for (const auto& step : pipeline_.tunables())
        for (auto d : call_plugin(step.origin, "search_space",
                                  [&] { return step.tunable->search_space(float_model).dimensions; })) {
            d.name = step.prefix + "/" + d.name;
            space.dimensions.push_back(std::move(d));
        }
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

TuningOutcome TuningLoop::run(const Graph& float_model, Session& session, int64_t trials,
                              size_t eval_subset_size) {
    POT_CHECK_KIND(Config, trials >= 1, "optimizer: trials must be >= 1, got ", trials);
    POT_CHECK_KIND(Config, !pipeline_.tunables().empty(),
                   "optimizer: no algorithm of the pipeline has tunable choices");
    const SearchSpace space = search_space(float_model);
    const size_t available = evaluator_.data().size();
    std::vector<size_t> indices(eval_subset_size ? std::min(eval_subset_size, available) : available);
    std::iota(indices.begin(), indices.end(), size_t{0});

    TuningOutcome outcome;
    outcome.optimizer = optimizer_.name();
    outcome.samples = indices.size();
    outcome.score = str_cat("drop of ", evaluator_.metric().name(), " from the float model (lower is better)");
    for (int64_t i = 0; i < trials; ++i) {
        const StageScope stage(str_cat(outcome.optimizer, " trial ", i + 1, " of ", trials));
        TrialRecord record;
        record.trial = optimizer_.ask(space);
        set_trial(record.trial);
        Graph graph = float_model;
        pipeline_.run(graph, session);
        record.score = evaluator_.compare(graph, indices).drop();
        optimizer_.tell(record.trial, record.score);
        logger_.log(LogLevel::Info, str_cat(outcome.optimizer, " trial ", i + 1, "/", trials, ": score ", record.score));
        if (outcome.trials.empty() || record.score < outcome.best.score) outcome.best = record;
        outcome.trials.push_back(std::move(record));
    }
    set_trial(outcome.best.trial);
    return outcome;
}

}  // namespace pot::core
