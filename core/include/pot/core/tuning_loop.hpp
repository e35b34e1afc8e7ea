#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/session.hpp"
#include "pot/core/trial_log.hpp"
#include "pot/core/tuning_objective.hpp"
#include "pot/optimizer.hpp"

namespace pot::core {

/// How many points `space` has (a double: spaces of many dimensions exceed 64-bit counts).
double search_space_points(const SearchSpace& space);

/// What a tuning run tried and chose.
struct TuningOutcome {
    std::string optimizer;
    TrialLogHeader header;
    std::vector<TrialRecord> trials;   ///< every trial of the log, earlier runs' included
    size_t best = 0;                   ///< index into trials
    size_t resumed = 0;                ///< trials read from the log rather than run
    std::string stopped_by;            ///< max_trials, max_minutes, stop_on_target, interrupted, eval
    bool meets_targets = false;
    std::filesystem::path log_file;

    const TrialRecord& best_trial() const { return trials.at(best); }
    /// Trials no other trial beats in both accuracy loss and latency ratio, by accuracy loss.
    std::vector<size_t> pareto_front() const;
    /// The report.json section.
    nlohmann::json report(const TuningSettings& settings) const;
};

/// Quantizes the float model once per trial an optimizer proposes and scores each on the first
/// evaluation samples with POT's loss (accuracy loss relative to the float model and measured
/// speed-up, see TuningObjective). Each trial goes to the trial log; each new best model goes to
/// the session's checkpoint. Trials with choices tried before are not run again. Statistics are
/// memoized for the run, so stages whose input the choices do not change collect them once. When
/// run() returns, the pipeline's tunable algorithms hold the best trial's choices, so the next
/// Pipeline::run makes the best trial's model.
class TuningLoop {
public:
    /// Every reference must outlive the loop.
    TuningLoop(Pipeline& pipeline, Optimizer& optimizer, Evaluator& evaluator, Logger& logger);

    /// Tunable and optimizer calls go through the plugin boundary. `log_file` holds the trials
    /// (read for warm_start, fine_tune and eval). The run stops early when
    /// session.stop_requested() says so.
    TuningOutcome run(const Graph& float_model, Session& session, const TuningSettings& settings,
                      const std::filesystem::path& log_file);

private:
    /// The tunables' dimensions, prefixed; tunables that depend on the target device learn it first.
    SearchSpace search_space(const Graph& float_model, const std::string& target_device) const;
    void set_trial(const Trial& trial) const;

    Pipeline& pipeline_;
    Optimizer& optimizer_;
    Evaluator& evaluator_;
    Logger& logger_;
};

/// A PNG of the trials: accuracy loss against speed-up, the Pareto front joined, the chosen trial
/// marked, the accuracy and latency targets drawn.
std::string plot_tuning_trials(const TuningOutcome& outcome, const TuningSettings& settings);

}  // namespace pot::core
