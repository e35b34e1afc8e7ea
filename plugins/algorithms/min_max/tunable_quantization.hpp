#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "choice_space.hpp"
#include "op_choice.hpp"
#include "pot/algorithm.hpp"
#include "pot/optimizer.hpp"
#include "pot/params.hpp"
#include "quantization_plan.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// TunableQuantization (POT's algorithm of that name): MinMaxQuantization whose configuration an
/// optimizer chooses per quantized op. It takes MinMaxQuantization's parameters plus
/// tuning_scope, estimator_tuning_scope and outlier_prob_choices (README.md). Without a trial
/// (or with an empty tuning_scope) it quantizes exactly as MinMaxQuantization does.
class TunableQuantization final : public Algorithm, public Tunable, public TargetDeviceAware {
public:
    explicit TunableQuantization(const Params& params);

    /// One dimension per quantized op, named after its node, in node order; its choices are
    /// format_choice() texts, the op's base first: the choice set_trial() last set for it, else
    /// the configured one. The ops are those of the hardware config of params.hardware_config,
    /// else of params.target_device (default CPU): this call has no host to ask.
    SearchSpace search_space(const Graph& graph) const override;
    /// Keeps `trial` (op node name -> choice text) for the following runs; ops it does not name
    /// take their configured choice. Once search_space() has seen the model, an unknown node or
    /// a choice the op never offers is a Config error at once; before that, at the next call
    /// that sees the model.
    void set_trial(const Trial& trial) override;

    /// The host's target device, which the search space follows unless params.target_device or
    /// params.hardware_config says otherwise.
    void set_target_device(const std::string& device) override;

    std::string name() const override { return "TunableQuantization"; }
    /// The first-pass statistics of every estimator any trial may choose, for every activation
    /// any trial may quantize: the same requests whatever the trial, so a tuning run collects
    /// them once.
    std::vector<StatisticRequest> statistics_needed(const Graph& graph,
                                                    HostServices& host) override;
    SamplingSettings sampling() const override { return settings_.sampling; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    /// An op the search space has a dimension for.
    struct TunedOp {
        std::string node;
        OpTraits traits;
        OpChoice configured;  ///< its choice without a trial (normalized)

        bool operator==(const TunedOp&) const = default;
    };

    std::vector<TunedOp> tuned_ops(const Graph& graph,
                                   const std::vector<PlannedPoint>& base_plan) const;
    /// The ops and base plan for `hardware`, with no trial applied.
    std::vector<TunedOp> ops_for(const Graph& graph, const HardwareConfig& hardware) const;
    /// The trial's choices, parsed and checked against `ops`.
    std::map<std::string, OpChoice> chosen(const std::vector<TunedOp>& ops,
                                           const std::map<std::string, std::string>& trial) const;
    /// Throws when a trial is set and the host's target device quantizes other ops than the one
    /// search_space() derived the choices for.
    void check_target(const Graph& graph, const std::vector<TunedOp>& host_ops,
                      HostServices& host) const;

    // Read before settings_: parse_settings() rejects the keys not read yet.
    TuningScope scope_;
    std::string target_device_;  ///< whose hardware config search_space() uses
    bool target_device_configured_ = false;  ///< params.target_device was given
    MinMaxSettings settings_;
    std::map<std::string, std::string> trial_;              ///< op node name -> choice text
    mutable std::optional<std::vector<TunedOp>> seen_ops_;  ///< of the last search_space() model
};

}  // namespace pot::min_max
