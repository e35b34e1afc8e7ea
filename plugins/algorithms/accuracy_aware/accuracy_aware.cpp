#include "accuracy_aware.hpp"

#include <nlohmann/json.hpp>

#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/result_services.hpp"
#include "pot/search_services.hpp"
#include "plot.hpp"
#include "search.hpp"

namespace pot::accuracy_aware {

namespace {

// Short enough not to dominate a search, long enough for a stable median.
constexpr double kLatencySeconds = 1.0;
constexpr const char* kPlotFile = "accuracy_aware_steps.png";

// What the best model so far is: the part of the report a checkpoint carries too.
nlohmann::json result_of(const Outcome& o) {
    nlohmann::json reverted = nlohmann::json::array();
    for (const auto& r : o.reverted) reverted.push_back({{"layer", r.layer}, {"ranking_score", r.score}});
    return {{"met", o.met},       {"float_metric", o.float_value}, {"metric", o.value},
            {"drop", o.drop},     {"budget", o.budget},            {"quantized_layers", o.quantized_layers},
            {"reverted_layers", reverted}};
}

std::string summary_of(const Outcome& o) {
    auto summary = result_of(o);
    summary["algorithm"] = kAlgorithmName;
    summary["steps_so_far"] = o.steps.size();
    return summary.dump();
}

nlohmann::json report_of(const Outcome& o, const BenchmarkResult& float_latency, const BenchmarkResult& latency) {
    auto report = result_of(o);
    report.update({{"stopped_by", o.stopped_by},
                   {"evaluations", o.evaluations},
                   {"ranking_evaluations", o.ranking_evaluations},
                   {"seconds", o.seconds},
                   {"tuned", o.tuned.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.tuned)},
                   {"annotation_free_samples",
                    o.confident_samples ? nlohmann::json(*o.confident_samples) : nlohmann::json(nullptr)},
                   {"latency_ms", {{"float", float_latency.latency_median_ms}, {"result", latency.latency_median_ms}}},
                   {"steps", steps_json(o, "layers_in_float")}});
    return report;
}

}  // namespace

AccuracyAwareQuantization::AccuracyAwareQuantization(const Params& params) : settings_(read_settings(params)) {}

std::vector<StatisticRequest> AccuracyAwareQuantization::statistics_needed(const Graph&, HostServices&) {
    return {};  // the base algorithm asks for its own, through SearchServices::run_algorithms
}

void AccuracyAwareQuantization::apply(Graph& graph, const Statistics&, HostServices& host) {
    SearchServices& search = search_services(host, name());
    POT_CHECK_KIND(Config, !has_fake_quantize(graph), settings_.path, ": ", name(),
                   " quantizes the float model with its base_algorithm, so it must come first in "
                   "compression.algorithms; the model it got is quantized already");
    // With a 2.2 host every better model is saved at once, and the plot goes with the results.
    auto* results = dynamic_cast<ResultServices*>(&host);
    Outcome outcome = Search(settings_, host, search, checkpoint_sink(host, summary_of)).run(graph);
    if (results) results->add_result_file(kPlotFile, plot_steps(outcome));
    graph = std::move(outcome.model);
    BenchmarkOptions timing;
    timing.seconds = kLatencySeconds;
    const auto float_latency = host.latency(host.float_model(), timing);
    const auto latency = host.latency(graph, timing);
    auto report = report_of(outcome, float_latency, latency);
    if (results) report["plot"] = kPlotFile;
    host.report(name(), "search", report.dump());
    host.log(outcome.met ? LogLevel::Info : LogLevel::Warning,
             str_cat(name(), ": ", outcome.met ? "met" : "did NOT meet", " the budget: drop ", outcome.drop,
                     " (budget ", outcome.budget, ") with ", outcome.reverted.size(), " of ",
                     outcome.quantized_layers, " layers in float; stopped: ", outcome.stopped_by,
                     "; latency ", latency.latency_median_ms, " ms (float ", float_latency.latency_median_ms, " ms)"));
}

}  // namespace pot::accuracy_aware
