#include "channel_alignment.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "channel_scaling.hpp"

namespace pot::channel_alignment {

namespace {

constexpr double kDefaultQuantile = 1e-4;

// Widest channel range over the median one: 1 when all channels are alike.
float range_spread(const std::vector<float>& low, const std::vector<float>& high,
                   const std::vector<float>& scale) {
    std::vector<float> width(low.size());
    for (size_t c = 0; c < low.size(); ++c) width[c] = std::max(high[c] - low[c], 0.0f) / scale[c];
    std::vector<float> sorted = width;
    std::sort(sorted.begin(), sorted.end());
    const float median = sorted[sorted.size() / 2];
    return median > 0.0f ? sorted.back() / median : 1.0f;
}

}  // namespace

ChannelAlignment::ChannelAlignment(const Params& params)
    : sampling_(parse_sampling(params)),
      quantile_(params.get_double("outlier_prob", kDefaultQuantile)),
      ignored_(params.child("ignored")) {
    POT_CHECK_KIND(Config, quantile_ >= 0.0 && quantile_ < 0.5, params.path(),
                   "/outlier_prob: must be in [0, 0.5), got ", quantile_);
    params.reject_unknown();
}

std::vector<StatisticRequest> ChannelAlignment::range_requests(const ConvPair& pair) const {
    StatisticRequest low;
    low.value = pair.activation;
    low.reducer = ReducerKind::MeanQuantileLow;
    low.axis = 1;
    low.quantile = quantile_;
    StatisticRequest high = low;
    high.reducer = ReducerKind::MeanQuantileHigh;
    return {low, high};
}

std::vector<StatisticRequest> ChannelAlignment::statistics_needed(const Graph& graph,
                                                                  HostServices& host) {
    ignored_.warn_unmatched(graph, host);
    pairs_ = find_conv_pairs(graph, ignored_);
    std::vector<StatisticRequest> requests;
    for (const auto& pair : pairs_) {
        const auto r = range_requests(pair);
        requests.insert(requests.end(), r.begin(), r.end());
    }
    return requests;
}

std::vector<ValueChannels> ChannelAlignment::values_it_may_remap() const {
    std::vector<ValueChannels> values;
    for (const auto& pair : pairs_) {
        values.push_back({pair.activation, 1});
        if (pair.produced != pair.activation) values.push_back({pair.produced, 1});
    }
    return values;
}

void ChannelAlignment::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    applied_.clear();
    // Pairs must still be pairs: an algorithm earlier in the same stage (e.g. one inserting
    // FakeQuantize) may have put something between the two Convs.
    const auto current = find_conv_pairs(graph, ignored_);
    nlohmann::json report = nlohmann::json::array();
    for (const auto& pair : pairs_) {
        const bool intact = std::any_of(current.begin(), current.end(), [&](const ConvPair& p) {
            return p.producer == pair.producer && p.consumer == pair.consumer;
        });
        if (!intact) {
            host.log(LogLevel::Warning,
                     str_cat(name(), ": '", pair.producer, "' -> '", pair.consumer,
                             "' changed since its statistics were collected; "
                             "left as is (run this algorithm before quantizing)"));
            continue;
        }
        const auto requests = range_requests(pair);
        const auto low = stats.floats(requests[0]);
        const auto high = stats.floats(requests[1]);
        POT_CHECK(static_cast<int64_t>(low.size()) == pair.channels, "channel alignment: '",
                  pair.activation, "' has ", low.size(), " channels in its statistics, '",
                  pair.producer, "' has ", pair.channels, " output channels");
        const auto transform = compute_transform(low, high, pair.through_relu);
        apply_transform(graph, pair, transform);
        ChannelAffine remap{pair.activation, 1, {}, {}};
        for (size_t c = 0; c < transform.scale.size(); ++c) {
            remap.scale.push_back(1.0f / transform.scale[c]);
            remap.offset.push_back(-transform.shift[c] / transform.scale[c]);
        }
        applied_.push_back(remap);
        if (pair.produced != pair.activation) {
            remap.value = pair.produced;  // through a Relu: the same scaling, no shift
            applied_.push_back(remap);
        }
        const std::vector<float> unscaled(low.size(), 1.0f);
        report.push_back({{"producer", pair.producer},
                          {"consumer", pair.consumer},
                          {"through_relu", pair.through_relu},
                          {"range_spread_before", range_spread(low, high, unscaled)},
                          {"range_spread_after", range_spread(low, high, transform.scale)}});
    }
    host.report(name(), "pairs", report.dump());
    host.log(LogLevel::Info, str_cat(name(), ": aligned ", report.size(), " Conv pairs"));
}

}  // namespace pot::channel_alignment
