#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/session.hpp"
#include "pot/optimizer.hpp"

namespace pot::core {

/// One scored trial.
struct TrialRecord {
    Trial trial;
    double score = 0;
};

/// What a tuning run tried and chose.
struct TuningOutcome {
    std::string optimizer;
    std::vector<TrialRecord> trials;
    TrialRecord best;
    size_t samples = 0;     ///< evaluation samples each trial was scored on
    std::string score;      ///< what the score measures

    /// The report.json section.
    nlohmann::json report() const;
};

/// Quantizes the float model once per trial an optimizer proposes and scores each on the first
/// evaluation samples by how much worse it is than the float model in the evaluator's metric
/// (lower is better). When it returns, the pipeline's tunable algorithms hold the best trial's
/// choices, so the next Pipeline::run writes the best trial's model.
class TuningLoop {
public:
    /// Every reference must outlive the loop.
    TuningLoop(Pipeline& pipeline, Optimizer& optimizer, Evaluator& evaluator, Logger& logger);

    /// `trials` >= 1 trials; `eval_subset_size` samples per trial (0: all). Tunable and optimizer
    /// calls go through the plugin boundary.
    TuningOutcome run(const Graph& float_model, Session& session, int64_t trials, size_t eval_subset_size);

private:
    SearchSpace search_space(const Graph& float_model) const;
    void set_trial(const Trial& trial) const;

    Pipeline& pipeline_;
    Optimizer& optimizer_;
    Evaluator& evaluator_;
    Logger& logger_;
};

}  // namespace pot::core
