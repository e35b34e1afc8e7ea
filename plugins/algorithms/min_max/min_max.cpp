#include "min_max.hpp"

#include <nlohmann/json.hpp>

#include "quantization_plan.hpp"

namespace pot::min_max {

MinMax::MinMax(const Params& params)
    : params_(params.json()), params_path_(params.path()), settings_(parse_settings(params)) {}

SearchSpace MinMax::search_space(const Graph&) const {
    return SearchSpace{{{"preset", {"performance", "mixed"}},
                        {"range_estimator", {"mean_min_max", "min_max", "quantile", "mse"}}}};
}

void MinMax::set_trial(const Trial& trial) {
    nlohmann::json p = params_;
    for (const auto& [key, value] : trial.choice) {
        if (key == "preset") {
            p["preset"] = value;
            if (p.contains("activations") && p["activations"].is_object()) p["activations"].erase("mode");
        } else if (key == "range_estimator") {
            auto& activations = p["activations"];
            if (!activations.is_object()) activations = nlohmann::json::object();
            activations["range_estimator"] = {{"method", value}};
        } else {
            POT_THROW(Config, name(), ": trial sets unknown choice '", key, "'; tunable: preset, range_estimator");
        }
    }
    settings_ = parse_settings(Params(p, params_path_));
}

std::vector<StatisticRequest> MinMax::statistics_needed(const Graph& graph, HostServices& host) {
    settings_.ignored.warn_unmatched(graph, host);
    return plan_statistics(plan_quantization(graph, hardware_config_for(settings_, host), settings_));
}

void MinMax::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    const auto hardware = hardware_config_for(settings_, host);
    apply_plan(graph, plan_quantization(graph, hardware, settings_), stats, host, settings_, hardware, name());
}

}  // namespace pot::min_max
