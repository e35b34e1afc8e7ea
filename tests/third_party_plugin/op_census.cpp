// OpCensus: counts the model's ops by type and measures the largest input value, then records
// both in the report. Small, but it exercises everything a third-party algorithm touches:
// parameters, a statistics request answered by the engine, the graph, and the host's report.
#include <map>

#include <nlohmann/json.hpp>
#include <pot/plugin_export.hpp>

namespace {

class OpCensus final : public pot::Algorithm {
public:
    explicit OpCensus(const pot::Params& params)
        : sampling_(pot::parse_sampling(params, {.subset_size = 10})) {
        params.reject_unknown();
    }
    std::string name() const override { return "OpCensus"; }
    pot::SamplingSettings sampling() const override { return sampling_; }

    std::vector<pot::StatisticRequest> statistics_needed(const pot::Graph& graph, pot::HostServices&) override {
        return {input_max(graph)};
    }

    void apply(pot::Graph& graph, const pot::Statistics& stats, pot::HostServices& host) override {
        std::map<std::string, int> counts;
        for (const auto& node : graph.nodes) ++counts[node.op_type];
        const nlohmann::json report = {{"ops", counts},
                                       {"input_max", stats.get(input_max(graph)).to_floats().at(0)}};
        host.report(name(), "census", report.dump());
    }

private:
    static pot::StatisticRequest input_max(const pot::Graph& graph) {
        POT_CHECK(!graph.inputs.empty(), "OpCensus needs a model with an input");
        return {graph.inputs[0].name, pot::ReducerKind::Max, -1};
    }

    pot::SamplingSettings sampling_;
};

const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, OpCensus>("OpCensus", "counts ops by type (third-party example)"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("op-census", "1.0.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }

}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
