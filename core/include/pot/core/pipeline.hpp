#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/core/config.hpp"
#include "pot/core/plugin_boundary.hpp"
#include "pot/core/registry.hpp"
#include "pot/optimizer.hpp"
#include "pot/core/session.hpp"

namespace pot::core {

/// Timing of one pipeline step, for the report.
struct StepTiming {
    std::string name;
    double seconds = 0;
};

/// The compression.algorithms list resolved into algorithm objects, composites expanded.
/// Algorithms run in order; the statistics of consecutive algorithms are collected in one pass
/// (a stage ends after an algorithm whose changes_model() is true). When a stage ends with an
/// algorithm that only remaps channels (pot::ChannelAffineChange, e.g. ActivationChannelAlignment)
/// the next stage's statistics are collected in the same pass and mapped through its change;
/// what cannot be mapped is measured on the changed model.
class Pipeline {
public:
    /// Creates every algorithm; unknown names and bad parameters are Config errors naming the
    /// JSON path of the entry.
    Pipeline(const Registry& registry, const std::vector<AlgorithmConfig>& algorithms);
    /// Algorithms made already (a program assembling its own pipeline, tests), each with the
    /// path or label its messages use. Composites are expanded with `registry`.
    Pipeline(const Registry& registry, std::vector<std::pair<std::string, PluginPtr<Algorithm>>> algorithms);

    /// Names of the algorithms after expansion, in run order.
    std::vector<std::string> names() const;

    /// An algorithm that exposes choices to an optimizer.
    struct TunableStep {
        std::string prefix;  ///< "MinMaxQuantization", or "MinMaxQuantization#2" for the second of that name
        Tunable* tunable;
        PluginOrigin origin;  ///< for call_plugin
    };
    /// The tunable algorithms, in run order.
    std::vector<TunableStep> tunables() const;

    /// Runs every algorithm on `graph`. Returns the time spent per statistics pass and algorithm.
    /// With `float_reference`, also keeps there the model as it was after the last algorithm that
    /// left it without FakeQuantize nodes (the input model if the first one inserts them): the
    /// float model the quantized one is to be compared with, including function-preserving
    /// rewrites such as ActivationChannelAlignment, which rescale intermediate values.
    /// `after_step`, when given, sees the model after each algorithm (its index in run order and
    /// name): POT's dump_intermediate_model.
    using StepObserver = std::function<void(size_t index, const std::string& name, const Graph& graph)>;
    std::vector<StepTiming> run(Graph& graph, Session& host, Graph* float_reference = nullptr,
                                const StepObserver& after_step = {});

    /// Whether run() collects ahead across a channel remapping (on by default; off measures
    /// every stage on its own model, which gives the same statistics up to rounding).
    void set_collect_ahead(bool on) { collect_ahead_ = on; }

private:
    struct Step {
        std::string path;  // JSON path of the config entry it came from
        PluginPtr<Algorithm> algorithm;
        PluginOrigin origin;
    };
    /// The requests and sample selection of the stage [begin, end) on `graph`.
    struct StagePlan {
        std::vector<StatisticRequest> requests;
        SampleSelection selection;
    };
    /// What a stage collects for the next one, and how to read it after the change.
    struct LookAhead {
        std::vector<StatisticRequest> collect;  ///< added to this stage's pass
        std::vector<StatisticRequest> next;     ///< the next stage's requests, asked before the change
        std::vector<ValueChannels> remapped;    ///< values the change may remap
    };
    size_t stage_end(size_t begin) const;
    StagePlan stage_plan(size_t begin, size_t end, const Graph& graph, Session& host) const;
    LookAhead look_ahead(const ChannelAffineChange& change, const Step& changer, size_t next_begin,
                         const Graph& graph, Session& host, const SampleSelection& selection) const;
    static Statistics carry_over(const LookAhead& ahead, const Statistics& collected,
                                 const std::vector<ChannelAffine>& applied);

    void add(const Registry& registry, const AlgorithmSpec& spec, const std::string& path, int depth);
    void add(const Registry& registry, PluginPtr<Algorithm> algorithm, const std::string& path, int depth);

    std::vector<Step> steps_;
    bool collect_ahead_ = true;
};

}  // namespace pot::core
