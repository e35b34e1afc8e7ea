#include "min_max.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "pot/fake_quantize_node.hpp"
#include "range_estimation.hpp"
#include "range_unify.hpp"
#include "range_weights.hpp"

namespace pot::min_max {

namespace {

nlohmann::json describe(const QuantizationPoint& p, const FakeQuantizeParams& fq) {
    nlohmann::json j = {{"value", p.value},
                        {"node", p.node},
                        {"kind", p.kind == QuantizationPoint::Kind::Weight ? "weights" : "activations"},
                        {"levels", fq.levels},
                        {"granularity", fq.per_channel() ? "perchannel" : "pertensor"}};
    if (fq.per_channel()) {
        j["axis"] = fq.axis;
        j["channels"] = fq.channels();
        j["range"] = {*std::min_element(fq.input_low.begin(), fq.input_low.end()),
                      *std::max_element(fq.input_high.begin(), fq.input_high.end())};
    } else {
        j["range"] = {fq.input_low[0], fq.input_high[0]};
        j["scale"] = fake_quantize_scale(fq.input_low[0], fq.input_high[0], fq.levels);
    }
    return j;
}

}  // namespace

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

std::vector<QuantizationPoint> MinMax::points_for(const Graph& graph, HostServices& host) const {
    const auto hardware = settings_.hardware_config ? read_hardware_config(*settings_.hardware_config)
                                                    : builtin_hardware_config(host.target_device());
    return find_quantization_points(graph, hardware, settings_);
}

std::vector<StatisticRequest> MinMax::range_requests(const std::string& value) const {
    return range_first_pass_requests(settings_.activations.range, value);
}

std::vector<StatisticRequest> MinMax::statistics_needed(const Graph& graph, HostServices& host) {
    std::vector<StatisticRequest> requests;
    for (const auto& p : points_for(graph, host)) {
        if (p.kind != QuantizationPoint::Kind::Activation || !p.same_grid_as.empty()) continue;
        auto r = range_requests(p.value);
        requests.insert(requests.end(), r.begin(), r.end());
    }
    return requests;
}

void MinMax::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    const auto points = points_for(graph, host);
    std::vector<std::string> activation_values;
    for (const auto& p : points)
        if (p.kind == QuantizationPoint::Kind::Activation && p.same_grid_as.empty())
            activation_values.push_back(p.value);
    // Every range is settled before the first FakeQuantize goes in: the histogram pass runs on
    // the model as the first pass saw it.
    auto ranges = estimate_activation_ranges(graph, activation_values, stats, host,
                                             settings_.activations, settings_.sampling.subset_size);
    // Values a max pool or reshape only moves keep their source's grid; shared Concat/Add ranges
    // below may still widen one of the two, and then its FakeQuantize requantizes.
    for (const auto& p : points)
        if (!p.same_grid_as.empty()) ranges[p.value] = ranges.at(p.same_grid_as);
    std::vector<std::vector<std::string>> shared;
    if (settings_.unify_scales.value_or(host.target_device() == "CPU")) shared = unify_ranges(graph, ranges);

    nlohmann::json report = nlohmann::json::array();
    size_t weights = 0, activations = 0;
    NameAllocator names(graph);
    for (const auto& p : points) {
        FakeQuantizeParams fq;
        int64_t rank = 0;
        FakeQuantizeSite site{p.value, std::nullopt, 0};
        if (p.kind == QuantizationPoint::Kind::Weight) {
            const Tensor& w = graph.constant(p.value);
            const auto [lo, hi] = weight_ranges(w, p.axis, settings_.weights);
            QuantSpec spec{settings_.weights.bits, /*symmetric=*/true, /*is_signed=*/true,
                           /*narrow_range=*/true};
            fq = fake_quantize_from_range(lo, hi, spec, p.axis);
            rank = w.rank();
            site = {p.value, p.node, p.input_index};
            ++weights;
        } else {
            const ValueRange r = ranges.at(p.value);
            QuantSpec spec{settings_.activations.bits, settings_.activations.symmetric,
                           /*is_signed=*/r.low < 0.0f, /*narrow_range=*/false};
            fq = fake_quantize_from_range({r.low}, {r.high}, spec, -1);
            rank = static_cast<int64_t>(graph.shape_of(p.value).value_or(Shape{}).size());
            ++activations;
        }
        insert_fake_quantize(graph, site, fq, rank, names);
        report.push_back(describe(p, fq));
        if (!p.same_grid_as.empty()) report.back()["same_grid_as"] = p.same_grid_as;
    }
    host.report(name(), "quantized", report.dump());
    if (!shared.empty()) host.report(name(), "shared_ranges", nlohmann::json(shared).dump());
    host.log(LogLevel::Info, str_cat(name(), ": quantized ", weights, " weight tensors and ", activations,
                                     " activations"));
}

}  // namespace pot::min_max
