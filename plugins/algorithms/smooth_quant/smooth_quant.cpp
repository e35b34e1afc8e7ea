#include "smooth_quant.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "smoothing.hpp"

namespace pot::smooth_quant {

namespace {

constexpr double kDefaultAlpha = 0.5;

StatisticRequest channel_abs_max(const SmoothingSite& site) {
    StatisticRequest request;
    request.value = site.activation;
    request.reducer = ReducerKind::AbsMax;
    request.axis = site.rank - 1;
    return request;
}

// Largest channel maximum over the median one: 1 when all channels reach alike.
double spread(const std::vector<float>& max, const std::vector<float>& factors) {
    std::vector<float> scaled(max.size());
    for (size_t j = 0; j < max.size(); ++j) scaled[j] = max[j] / factors[j];
    std::sort(scaled.begin(), scaled.end());
    const float median = scaled[scaled.size() / 2];
    return median > 0.0f ? scaled.back() / median : 1.0;
}

}  // namespace

SmoothQuant::SmoothQuant(const Params& params)
    : sampling_(parse_sampling(params)),
      alpha_(params.get_double("alpha", kDefaultAlpha)),
      ignored_(params.child("ignored")) {
    POT_CHECK_KIND(Config, alpha_ >= 0.0 && alpha_ <= 1.0, params.path(),
                   "/alpha: must be in [0, 1], got ", alpha_);
    params.reject_unknown();
}

std::vector<StatisticRequest> SmoothQuant::statistics_needed(const Graph& graph,
                                                             HostServices& host) {
    ignored_.warn_unmatched(graph, host);
    sites_ = find_smoothing_sites(graph, ignored_);
    const auto unknown = std::stable_partition(sites_.begin(), sites_.end(),
                                               [](const SmoothingSite& s) { return s.rank > 0; });
    for (auto it = unknown; it != sites_.end(); ++it)
        host.log(LogLevel::Warning, str_cat(name(), ": '", it->activation,
                                            "' has no known shape in the model (no value_info); "
                                            "left as is"));
    sites_.erase(unknown, sites_.end());
    std::vector<StatisticRequest> requests;
    for (const auto& site : sites_) requests.push_back(channel_abs_max(site));
    return requests;
}

void SmoothQuant::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    // A site must still be one: an algorithm earlier in the same stage may have changed it.
    const auto current = find_smoothing_sites(graph, ignored_);
    nlohmann::json report = nlohmann::json::array();
    for (const auto& site : sites_) {
        const bool intact = std::find(current.begin(), current.end(), site) != current.end();
        if (!intact) {
            host.log(LogLevel::Warning,
                     str_cat(name(), ": the readers of '", site.activation,
                             "' changed since its statistics were collected; left as is (run "
                             "this algorithm before quantizing)"));
            continue;
        }
        const auto activation_max = stats.floats(channel_abs_max(site));
        POT_CHECK(static_cast<int64_t>(activation_max.size()) == site.channels, "SmoothQuant: '",
                  site.activation, "' has ", activation_max.size(), " channels in its statistics, ",
                  site.channels, " in the graph");
        const auto weight_max = weight_channel_max(graph, site);
        const auto factors = smoothing_factors(activation_max, weight_max, alpha_);
        apply_factors(graph, site, factors);
        nlohmann::json consumers = nlohmann::json::array();
        for (const auto& c : site.consumers) consumers.push_back(c.node);
        // Channel j of the activation is divided by factors[j], its weights multiplied by it.
        const std::vector<float> unit(factors.size(), 1.0f);
        std::vector<float> inverse(factors.size());
        for (size_t j = 0; j < factors.size(); ++j) inverse[j] = 1.0f / factors[j];
        report.push_back({{"activation", site.activation},
                          {"consumers", consumers},
                          {"activation_spread_before", spread(activation_max, unit)},
                          {"activation_spread_after", spread(activation_max, factors)},
                          {"weight_spread_before", spread(weight_max, unit)},
                          {"weight_spread_after", spread(weight_max, inverse)}});
    }
    host.report(name(), "sites", report.dump());
    host.log(LogLevel::Info,
             str_cat(name(), ": smoothed ", report.size(), " activation(s), alpha ", alpha_));
}

}  // namespace pot::smooth_quant
