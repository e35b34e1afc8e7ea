#pragma once
// Fakes for the orchestration tests: a model whose accuracy is a number stored in the graph, an
// engine that runs it and counts its work, a tunable algorithm that sets the number, and an
// optimizer that proposes trials from a script.
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/core/plugin_ptr.hpp"
#include "pot/engine.hpp"
#include "pot/optimizer.hpp"
#include "test_host.hpp"

namespace pot::test {

/// The constant that holds a fake model's quality: the share of samples it classifies correctly.
inline constexpr const char* kQuality = "quality";

/// A graph of one input "x" whose fake model gets the first quality * N samples right.
inline Graph quality_graph(float quality) {
    Graph g;
    g.name = "quality";
    g.inputs.push_back({"x", DType::F32, {1, 1}});
    g.outputs.push_back({"x", DType::F32, {1, 1}});
    g.initializers.emplace(kQuality, Tensor::from_vector<float>({1}, {quality}));
    return g;
}

inline float quality_of(const Graph& g) { return g.initializers.at(kQuality).to_floats().at(0); }

/// `count` samples whose input is their index; labelled class 0 unless `labelled` is false.
inline VectorData index_samples(size_t count, bool labelled) {
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < count; ++i) inputs.push_back(Tensor::from_vector<float>({1, 1}, {static_cast<float>(i)}));
    return VectorData(std::move(inputs), labelled ? std::vector<int64_t>(count, 0) : std::vector<int64_t>{});
}

/// Runs quality graphs over index_samples() of `samples` samples: sample i is classified as class 0
/// (output [1, 0]) when i < quality * samples, else as class 1. Counts compiles and inferences
/// per quality.
class QualityEngine final : public Engine {
public:
    explicit QualityEngine(size_t samples) : samples_(samples) {}
    std::string name() const override { return "quality"; }
    std::unique_ptr<CompiledModel> compile(const Graph& graph) override {
        ++compiles[quality_of(graph)];
        return std::make_unique<Model>(*this, graph);
    }
    EngineCapabilities capabilities() const override { return {}; }

    std::map<float, int> compiles, inferences;

private:
    class Model final : public CompiledModel {
    public:
        Model(QualityEngine& engine, const Graph& graph) : engine_(engine), graph_(graph) {}
        const Graph& graph() const override { return graph_; }
        std::vector<Tensor> infer(const std::vector<Tensor>& inputs, const std::vector<std::string>&,
                                  ValueObserver*) override {
            const float quality = quality_of(graph_);
            ++engine_.inferences[quality];
            const float index = inputs.at(0).to_floats().at(0);
            const bool right = index < quality * static_cast<float>(engine_.samples_);
            return {Tensor::from_vector<float>({1, 2}, {right ? 1.0f : 0.0f, right ? 0.0f : 1.0f})};
        }

    private:
        QualityEngine& engine_;
        const Graph graph_;
    };
    size_t samples_;
};

/// Sets the graph's quality to the trial's choice ("quality" in {0.2, 0.9, 0.5}); 1.0 before any
/// trial. Throws from set_trial for an unknown choice.
class QualityKnob final : public Algorithm, public Tunable {
public:
    std::string name() const override { return "QualityKnob"; }
    std::vector<StatisticRequest> statistics_needed(const Graph&, HostServices&) override { return {}; }
    void apply(Graph& graph, const Statistics&, HostServices&) override {
        graph.initializers.at(kQuality) = Tensor::from_vector<float>({1}, {quality_});
    }
    SearchSpace search_space(const Graph&) const override { return {{{"quality", {"0.2", "0.9", "0.5"}}}}; }
    void set_trial(const Trial& trial) override {
        const auto it = trial.choice.find("quality");
        if (it == trial.choice.end()) return;
        if (it->second != "0.2" && it->second != "0.9" && it->second != "0.5")
            throw std::invalid_argument("no quality " + it->second);
        quality_ = std::stof(it->second);
    }

private:
    float quality_ = 1.0f;
};

inline void delete_algorithm(void* object) { delete static_cast<Algorithm*>(object); }

/// A knob owned as the pipeline owns plugin objects (no library: made by the test).
inline core::PluginPtr<Algorithm> make_knob() {
    return core::PluginPtr<Algorithm>(new QualityKnob, {&delete_algorithm, nullptr});
}

/// Proposes the trials of `script` in order, cycling; records what it is told.
class ScriptedOptimizer final : public Optimizer {
public:
    explicit ScriptedOptimizer(std::vector<std::string> qualities) : qualities_(std::move(qualities)) {}
    std::string name() const override { return "scripted"; }
    Trial ask(const SearchSpace& space) override {
        Trial t;
        t.id = next_;
        t.choice[space.dimensions.at(0).name] = qualities_.at(static_cast<size_t>(next_++) % qualities_.size());
        return t;
    }
    void tell(const Trial& trial, double score) override { told.emplace_back(trial.choice, score); }

    std::vector<std::pair<std::map<std::string, std::string>, double>> told;

private:
    std::vector<std::string> qualities_;
    int64_t next_ = 0;
};

}  // namespace pot::test
