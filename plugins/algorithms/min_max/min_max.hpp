#pragma once

#include <vector>

#include "pot/algorithm.hpp"
#include "pot/optimizer.hpp"
#include "pot/params.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// MinMaxQuantization: puts FakeQuantize on the inputs, outputs and weights of the ops the target
/// device's hardware config names, with ranges from activation statistics (per tensor) and from
/// the weights themselves (max |w| or ADMM per output channel, symmetric, narrow range).
/// Histogram range methods (KL, MSE, ACIQ, ...) collect their histograms in a second pass from
/// apply(); the first pass (statistics_needed) only asks for min and max then.
class MinMax final : public Algorithm, public Tunable {
public:
    explicit MinMax(const Params& params);

    /// Tunable choices: `preset` (performance, mixed) and the activation `range_estimator`
    /// (mean_min_max, min_max, quantile, mse). A trial overrides those keys of the configured
    /// params and parses them again, so every other setting stays as configured.
    SearchSpace search_space(const Graph& graph) const override;
    void set_trial(const Trial& trial) override;

    std::string name() const override { return "MinMaxQuantization"; }
    std::vector<StatisticRequest> statistics_needed(const Graph& graph, HostServices& host) override;
    SamplingSettings sampling() const override { return settings_.sampling; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    nlohmann::json params_;  // as configured, for trials to override
    std::string params_path_;
    MinMaxSettings settings_;
};

}  // namespace pot::min_max
