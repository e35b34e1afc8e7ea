#include "tuning.hpp"

#include <nlohmann/json.hpp>

namespace pot::accuracy_aware {

namespace {

nlohmann::json global_min() { return {{"type", "min"}, {"aggregator", "min"}}; }
nlohmann::json global_max() { return {{"type", "max"}, {"aggregator", "max"}}; }
nlohmann::json quantile(double p) { return {{"type", "quantile"}, {"aggregator", "mean"}, {"outlier_prob", p}}; }

}  // namespace

std::vector<Candidate> range_candidates(const AlgorithmSpec& base) {
    // MinMax keeps one outlier probability per range, so both ends that are quantiles share it.
    struct Choice {
        std::string change;
        nlohmann::json estimator;
    };
    std::vector<Choice> choices = {{"activation range: global min / max", {{"min", global_min()}, {"max", global_max()}}}};
    for (const double p : {1e-3, 1e-4}) {
        const std::string q = p == 1e-3 ? "1e-3" : "1e-4";
        choices.push_back({"", {{"min", global_min()}, {"max", quantile(p)}}});
        choices.back().change = "activation range: global min / quantile " + q;
        choices.push_back({"", {{"min", quantile(p)}, {"max", global_max()}}});
        choices.back().change = "activation range: quantile " + q + " / global max";
        choices.push_back({"", {{"min", quantile(p)}, {"max", quantile(p)}}});
        choices.back().change = "activation range: quantiles " + q;
    }
    std::vector<Candidate> out;
    for (auto& choice : choices) {
        auto params = nlohmann::json::parse(base.params_json);
        if (!params.contains("activations") || !params["activations"].is_object())
            params["activations"] = nlohmann::json::object();
        params["activations"]["range_estimator"] = choice.estimator;
        out.push_back({choice.change, {base.name, params.dump()}});
    }
    return out;
}

std::vector<Candidate> bias_candidates(const AlgorithmSpec& best) {
    if (best.name != "DefaultQuantization") return {};
    auto params = nlohmann::json::parse(best.params_json);
    if (params.contains("use_fast_bias") && params["use_fast_bias"] == false) return {};
    params["use_fast_bias"] = false;
    return {{"BiasCorrection instead of FastBiasCorrection", {best.name, params.dump()}}};
}

}  // namespace pot::accuracy_aware
