#include "min_max.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "pot/fake_quantize_node.hpp"

namespace pot::min_max {

namespace {

// Per-output-channel [min, max] of a weight tensor along `axis` (one pair when axis < 0).
std::pair<std::vector<float>, std::vector<float>> weight_ranges(const Tensor& w, int64_t axis) {
    const auto values = w.to_floats();
    int64_t channels = 1, inner = 1;
    if (axis >= 0) {
        channels = w.dim(axis);
        for (int64_t d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
    }
    std::vector<float> lo(static_cast<size_t>(channels), 0.0f), hi(static_cast<size_t>(channels), 0.0f);
    for (size_t i = 0; i < values.size(); ++i) {
        const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
        lo[c] = std::min(lo[c], values[i]);
        hi[c] = std::max(hi[c], values[i]);
    }
    return {lo, hi};
}

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

MinMax::MinMax(const Params& params) : settings_(parse_settings(params)) {}

std::vector<QuantizationPoint> MinMax::points_for(const Graph& graph, HostServices& host) const {
    const auto hardware = settings_.hardware_config ? read_hardware_config(*settings_.hardware_config)
                                                    : builtin_hardware_config(host.target_device());
    return find_quantization_points(graph, hardware, settings_);
}

std::vector<StatisticRequest> MinMax::range_requests(const std::string& value) const {
    const auto& range = settings_.activations.range;
    return {StatisticRequest{value, range.low, -1, range.outlier_prob},
            StatisticRequest{value, range.high, -1, range.outlier_prob}};
}

std::vector<StatisticRequest> MinMax::statistics_needed(const Graph& graph, HostServices& host) {
    std::vector<StatisticRequest> requests;
    for (const auto& p : points_for(graph, host)) {
        if (p.kind != QuantizationPoint::Kind::Activation) continue;
        auto r = range_requests(p.value);
        requests.insert(requests.end(), r.begin(), r.end());
    }
    return requests;
}

void MinMax::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    const auto points = points_for(graph, host);
    nlohmann::json report = nlohmann::json::array();
    size_t weights = 0, activations = 0;
    for (const auto& p : points) {
        FakeQuantizeParams fq;
        int64_t rank = 0;
        FakeQuantizeSite site{p.value, std::nullopt, 0};
        if (p.kind == QuantizationPoint::Kind::Weight) {
            const Tensor& w = graph.constant(p.value);
            const auto [lo, hi] = weight_ranges(w, p.axis);
            QuantSpec spec{settings_.weights.bits, /*symmetric=*/true, /*is_signed=*/true,
                           /*narrow_range=*/true};
            fq = fake_quantize_from_range(lo, hi, spec, p.axis);
            rank = w.rank();
            site = {p.value, p.node, p.input_index};
            ++weights;
        } else {
            const auto requests = range_requests(p.value);
            float lo = stats.get(requests[0]).to_floats().at(0);
            const float hi = stats.get(requests[1]).to_floats().at(0);
            if (settings_.activations.range.high == ReducerKind::AbsMax) lo = -hi;
            POT_CHECK(std::isfinite(lo) && std::isfinite(hi), "activation '", p.value,
                      "' has a non-finite range [", lo, ", ", hi, "]");
            QuantSpec spec{settings_.activations.bits, settings_.activations.symmetric,
                           /*is_signed=*/lo < 0.0f, /*narrow_range=*/false};
            fq = fake_quantize_from_range({lo}, {hi}, spec, -1);
            rank = static_cast<int64_t>(graph.shape_of(p.value).value_or(Shape{}).size());
            ++activations;
        }
        insert_fake_quantize(graph, site, fq, rank);
        report.push_back(describe(p, fq));
    }
    host.report(name(), "quantized", report.dump());
    host.log(LogLevel::Info, str_cat(name(), ": quantized ", weights, " weight tensors and ", activations,
                                     " activations"));
}

}  // namespace pot::min_max
