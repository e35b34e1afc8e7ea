#include "int4_mixed.hpp"

#include <nlohmann/json.hpp>

#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"
#include "search.hpp"

namespace pot::accuracy_aware {

namespace {

nlohmann::json int4_result_of(const Outcome& o) {
    nlohmann::json lowered = nlohmann::json::array();
    for (const auto& l : o.lowered) lowered.push_back({{"layer", l.layer}, {"ranking_score", l.score}});
    return {{"met", o.met},   {"float_metric", o.float_value}, {"metric", o.value}, {"drop", o.drop},
            {"budget", o.budget}, {"quantized_layers", o.quantized_layers}, {"four_bit_layers", lowered}};
}

}  // namespace

Int4MixedQuantization::Int4MixedQuantization(const Params& params) : settings_(read_settings(params)) {}

std::vector<StatisticRequest> Int4MixedQuantization::statistics_needed(const Graph&, HostServices&) {
    return {};  // the base algorithm asks for its own, through SearchServices::run_algorithms
}

void Int4MixedQuantization::apply(Graph& graph, const Statistics&, HostServices& host) {
    SearchServices& search = search_services(host, name());
    const bool quantized = has_fake_quantize(graph);
    if (quantized)
        host.log(LogLevel::Info, str_cat(name(), ": the model it got is quantized; it quantizes the job's float "
                                         "model again with ", settings_.base.name, " (POT's place for it is after "
                                         "DefaultQuantization)"));
    const Graph float_model = quantized ? host.float_model() : graph;
    auto on_better = checkpoint_sink(host, [](const Outcome& o) {
        auto summary = int4_result_of(o);
        summary["algorithm"] = kInt4AlgorithmName;
        return summary.dump();
    });
    Outcome outcome = Search(settings_, host, search, std::move(on_better), Mode::LowerBits).run(float_model);
    graph = std::move(outcome.model);
    auto report = int4_result_of(outcome);
    report.update({{"stopped_by", outcome.stopped_by}, {"evaluations", outcome.evaluations},
                   {"ranking_evaluations", outcome.ranking_evaluations}, {"seconds", outcome.seconds},
                   {"steps", steps_json(outcome, "four_bit_layers")}});
    host.report(name(), "search", report.dump());
    host.log(outcome.met ? LogLevel::Info : LogLevel::Warning,
             str_cat(name(), ": ", outcome.lowered.size(), " of ", lowerable_layers(graph).size(),
                     " convolutions at 4 bits; drop ", outcome.drop, " (budget ", outcome.budget, ")",
                     outcome.met ? "" : ": the 8-bit model misses the budget already", "; stopped: ",
                     outcome.stopped_by));
}

}  // namespace pot::accuracy_aware
