#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/algorithm.hpp"
#include "pot/search_services.hpp"
#include "ranking.hpp"
#include "settings.hpp"

namespace pot::accuracy_aware {

/// One step of the search, as report.json lists it.
struct Step {
    std::string action;  ///< "quantize", "mixed preset", "revert", "undo"
    std::string layer;   ///< the layer reverted (revert, undo)
    double value = 0;    ///< the metric on the evaluation data after the step
    double drop = 0;     ///< float minus quantized, oriented so that a loss is positive
    size_t reverted = 0; ///< layers in float after the step
    double seconds = 0;  ///< since the search started
    std::string note;
};

/// The search's result.
struct Outcome {
    Graph model;           ///< the best model evaluated (the first one meeting the budget, if any)
    bool met = false;      ///< its drop is within the budget
    std::string stopped_by;
    double float_value = 0, value = 0, drop = 0, budget = 0;
    std::vector<RankedLayer> reverted;  ///< the layers of `model` in float, with their ranking scores
    std::vector<RankedLayer> lowered;   ///< Mode::LowerBits: the layers of `model` at 4 bits
    size_t quantized_layers = 0;        ///< layers quantized by the base algorithm
    size_t evaluations = 0;             ///< over the whole evaluation data
    size_t ranking_evaluations = 0;     ///< candidates scored on the ranking subset
    double seconds = 0;                 ///< the whole search, quantizations and evaluations included
    std::optional<size_t> confident_samples;  ///< annotation_free: the samples scored
    std::string tuned;                  ///< tune_hyperparams: the change adopted, if any
    std::vector<Step> steps;
};

/// What the search changes in the base algorithm's model.
enum class Mode {
    RevertToFloat,  ///< AccuracyAwareQuantization: layers back in float until the drop is within budget
    LowerBits,      ///< INT4MixedQuantization: convolutions down to 4 bits while it stays within
};

/// The steps of `outcome` as report.json lists them; `layers_key` names the count of layers
/// changed after each step ("layers_in_float", "four_bit_layers").
nlohmann::json steps_json(const Outcome& outcome, const char* layers_key);

/// The convolutions INT4MixedQuantization may lower: quantized Conv layers of one group (POT
/// lowers no grouped or depthwise convolution), by name, in graph order.
std::vector<std::string> lowerable_layers(const Graph& graph);

/// The settings of a layer at 4 bits, as POT's INT4MixedQuantization gives them: 4-bit weights and
/// activations, each bound the 1e-3 quantile.
nlohmann::json four_bit_layer();

/// The AccuracyAwareQuantization search over one float model (see accuracy_aware.hpp), or with
/// Mode::LowerBits INT4MixedQuantization's (see int4_mixed.hpp).
class Search {
public:
    /// Called with the outcome so far whenever a better model is found (a checkpoint to save).
    using OnBetter = std::function<void(const Outcome&)>;
    Search(const Settings& settings, HostServices& host, SearchServices& search, OnBetter on_better = {},
           Mode mode = Mode::RevertToFloat);
    Outcome run(const Graph& float_model);

private:
    struct Scored {
        double value = 0;
        std::vector<double> per_sample;  ///< on diff_indices_
    };
    void search(const Graph& float_model);  ///< fills outcome_
    /// Mode::LowerBits after the base model `model` was scored.
    void lower(const Graph& float_model, Graph model, Scored scored);
    /// The base algorithm with `layers` at 4 bits.
    AlgorithmSpec with_four_bits(const std::vector<std::string>& layers) const;
    /// tune_hyperparams: tries other parameters of the base algorithm on the ranking subset and
    /// adopts the best when it lowers the drop on the evaluation data.
    void tune(const Graph& float_model, AlgorithmSpec spec, Graph& model, Scored& scored);
    Scored evaluate(const Graph& graph);
    double drop_of(double value) const;
    bool out_of_time();
    void record(const std::string& action, const std::string& layer, const Scored& scored, size_t reverted,
                const std::string& note = {});
    void consider(const Graph& graph, const Scored& scored, const std::vector<RankedLayer>& reverted);

    const Settings& settings_;
    Mode mode_;
    const char* name_;  ///< the algorithm, for messages
    HostServices& host_;
    SearchServices& search_;
    OnBetter on_better_;
    std::chrono::steady_clock::time_point start_;
    bool higher_is_better_ = true;
    std::string metric_;  ///< the name of the job's metric
    std::vector<size_t> eval_indices_;  ///< the samples scored (empty: all; annotation_free: confident ones)
    std::vector<size_t> diff_indices_;  ///< samples whose per-sample scores pick ranking subsets
    std::vector<double> float_per_sample_;
    Outcome outcome_;
    std::optional<double> best_drop_;
};

/// The host's SearchServices; an error naming `algorithm` on a host older than plugin ABI 2.1.
SearchServices& search_services(HostServices& host, const std::string& algorithm);

/// With a host offering ResultServices (ABI 2.2), hands every better model to it at once as a
/// checkpoint whose summary `summary` writes; without, nothing.
Search::OnBetter checkpoint_sink(HostServices& host, std::function<std::string(const Outcome&)> summary);

}  // namespace pot::accuracy_aware
