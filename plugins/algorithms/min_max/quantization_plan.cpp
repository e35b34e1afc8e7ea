#include "quantization_plan.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "pot/fake_quantize_node.hpp"
#include "range_estimation.hpp"
#include "range_softmax.hpp"
#include "range_unify.hpp"
#include "range_weights.hpp"

namespace pot::min_max {

namespace {

nlohmann::json describe(const QuantizationPoint& p, const FakeQuantizeParams& fq) {
    nlohmann::json j = {
        {"value", p.value},
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

// The mode each activation of `plan` asks for, before ranges are shared.
std::map<std::string, bool> planned_modes(const std::vector<PlannedPoint>& plan) {
    std::map<std::string, bool> symmetric;
    for (const auto& p : plan)
        if (p.point.kind == QuantizationPoint::Kind::Activation) symmetric[p.point.value] = p.symmetric;
    return symmetric;
}

// The range of every measured activation of `plan`, each from its own estimator.
std::map<std::string, ValueRange> estimate_ranges(const Graph& graph,
                                                  const std::vector<PlannedPoint>& plan,
                                                  const Statistics& stats, HostServices& host,
                                                  const MinMaxSettings& settings) {
    // One estimate per estimator: a histogram method then collects its histograms in one pass.
    std::vector<std::pair<RangeEstimator, std::vector<std::string>>> by_estimator;
    for (const auto& p : plan) {
        if (!p.is_measured()) continue;
        auto it = std::find_if(by_estimator.begin(), by_estimator.end(),
                               [&](const auto& group) { return group.first == p.range; });
        if (it != by_estimator.end()) {
            it->second.push_back(p.point.value);
        } else {
            by_estimator.emplace_back(p.range, std::vector<std::string>{p.point.value});
        }
    }
    const auto symmetric = planned_modes(plan);
    std::map<std::string, ValueRange> ranges;
    for (const auto& [estimator, values] : by_estimator) {
        ActivationSettings group_settings = settings.activations;
        group_settings.range = estimator;
        ranges.merge(estimate_activation_ranges(graph, values, stats, host, group_settings,
                                                settings.sampling.subset_size, symmetric));
    }
    return ranges;
}

// Symmetric mode of every activation of `plan` once ranges are shared: a shared range is one
// grid, so its values take one mode, asymmetric when any of them asks for it (a symmetric grid
// would waste codes on the asymmetric ones). A moved value outside any group keeps its source's.
std::map<std::string, bool> resolve_modes(const std::vector<PlannedPoint>& plan,
                                          const std::vector<std::vector<std::string>>& shared) {
    auto symmetric = planned_modes(plan);
    std::set<std::string> grouped;
    for (const auto& group : shared) {
        const bool all_symmetric = std::all_of(
            group.begin(), group.end(), [&](const std::string& v) { return symmetric.at(v); });
        for (const auto& v : group) {
            symmetric[v] = all_symmetric;
            grouped.insert(v);
        }
    }
    for (const auto& p : plan)
        if (!p.point.same_grid_as.empty() && !grouped.count(p.point.value))
            symmetric[p.point.value] = symmetric.at(p.point.same_grid_as);
    return symmetric;
}

// Fills in the lengths the graph's shapes left unknown (a window attention whose shapes come from
// Shape / Gather / Concat chains) from one inference of the first calibration sample.
void measure_softmax_lengths(const Graph& graph, std::vector<SoftmaxOutput>& outputs, HostServices& host) {
    std::vector<std::string> unknown;
    for (const auto& out : outputs)
        if (out.length == 0) unknown.push_back(out.softmax_input);
    if (unknown.empty() || host.data().size() == 0) return;
    ShapeRecorder recorder;
    host.engine().compile(graph)->infer(host.data().get(0).inputs, unknown, &recorder);
    for (auto& out : outputs) {
        const auto it = recorder.shapes.find(out.softmax_input);
        if (out.length == 0 && it != recorder.shapes.end())
            out.length = softmax_length(it->second, out.axis, graph.opset);
    }
}

}  // namespace

HardwareConfig hardware_config_for(const MinMaxSettings& settings, HostServices& host) {
    return settings.hardware_config ? read_hardware_config(*settings.hardware_config)
                                    : builtin_hardware_config(host.target_device());
}

std::vector<PlannedPoint> plan_quantization(const Graph& graph, const HardwareConfig& hardware,
                                            const MinMaxSettings& settings,
                                            const QuantizationOverrides& overrides) {
    for (const auto& [node, layer] : settings.layerwise)
        POT_CHECK_KIND(Config, graph.find_node(node).has_value(), "layerwise/", node, ": the model has no node named '",
                       node, "'");
    std::vector<PlannedPoint> plan;
    for (auto& p : find_quantization_points(graph, hardware, settings, overrides.float_nodes)) {
        const int bits = p.kind == QuantizationPoint::Kind::Weight ? settings.weights.bits : settings.activations.bits;
        PlannedPoint planned{std::move(p), settings.activations.symmetric, settings.activations.range, bits,
                             settings.weights};
        if (planned.point.kind == QuantizationPoint::Kind::Activation && !settings.activations.by_op_type.empty())
            if (const auto node = graph.find_node(planned.point.config_node)) {
                const auto by_type = settings.activations.by_op_type.find(graph.nodes[*node].op_type);
                if (by_type != settings.activations.by_op_type.end()) {
                    planned.symmetric = by_type->second.symmetric.value_or(planned.symmetric);
                    planned.range = by_type->second.range.value_or(planned.range);
                }
            }
        const auto it = overrides.ops.find(planned.point.config_node);
        if (it != overrides.ops.end()) {
            const OpOverride& op = it->second;
            QuantizationPoint& point = planned.point;
            if (point.kind == QuantizationPoint::Kind::Weight && op.weights_per_channel) {
                const Node& node = graph.nodes[*graph.find_node(point.node)];
                const auto axis = weight_channel_axis(node, graph.constant(point.value));
                point.axis = *op.weights_per_channel && axis ? *axis : -1;
            } else if (point.kind == QuantizationPoint::Kind::Activation) {
                planned.symmetric = op.activations_symmetric.value_or(planned.symmetric);
                if (op.activations_range) planned.range = *op.activations_range;
            }
        }
        // layerwise: the op's own bits and estimators. An activation of its own range is measured
        // for it, even where it would share its source's grid (a max pool between).
        const QuantizationPoint& point = planned.point;
        const auto layer = settings.layerwise.find(point.kind == QuantizationPoint::Kind::Weight ? point.node
                                                                                                : point.config_node);
        if (layer != settings.layerwise.end()) {
            if (point.kind == QuantizationPoint::Kind::Weight) {
                planned.weights = layer->second.weights;
                planned.bits = layer->second.weights.bits;
            } else {
                planned.bits = layer->second.activation_bits;
                if (layer->second.activation_range) planned.range = *layer->second.activation_range;
                planned.point.same_grid_as.clear();
            }
        }
        // A device that runs an op's inputs in one mode only (VPU: asymmetric) gets that mode,
        // whatever the preset asks for.
        if (planned.point.kind == QuantizationPoint::Kind::Activation)
            if (const auto node = graph.find_node(planned.point.config_node))
                if (const OpRule* rule = hardware.rule_for(graph.nodes[*node].op_type))
                    planned.symmetric = rule->activations_symmetric.value_or(planned.symmetric);
        plan.push_back(std::move(planned));
    }
    return plan;
}

std::vector<StatisticRequest> plan_statistics(const std::vector<PlannedPoint>& plan) {
    std::vector<StatisticRequest> requests;
    std::set<std::string> keys;
    for (const auto& p : plan) {
        if (!p.is_measured()) continue;
        for (auto& r : range_first_pass_requests(p.range, p.point.value))
            if (keys.insert(r.key()).second) requests.push_back(std::move(r));
    }
    return requests;
}

void apply_plan(Graph& graph, const std::vector<PlannedPoint>& plan, const Statistics& stats,
                HostServices& host, const MinMaxSettings& settings, const HardwareConfig& hardware,
                const std::string& algorithm) {
    // Every range is settled before the first FakeQuantize goes in: the histogram pass runs on
    // the model as the first pass saw it.
    auto ranges = estimate_ranges(graph, plan, stats, host, settings);
    // An activation that reaches +-inf (an attention mask filled with -inf) has no grid that keeps
    // it: it stays in float, and so do the values that would share its grid.
    std::vector<std::string> non_finite;
    for (const auto& p : plan)
        if (p.is_measured() && !ranges.count(p.point.value)) non_finite.push_back(p.point.value);
    // Softmax outputs get no finer grid than ONNX Runtime's fused QLinearSoftmax computes.
    auto softmax_outputs = find_softmax_outputs(graph, ranges);
    measure_softmax_lengths(graph, softmax_outputs, host);
    const auto softmax_floors = floor_softmax_output_ranges(softmax_outputs, ranges, settings.activations.bits);
    // Values a max pool or reshape only moves keep their source's grid; shared Concat/Add ranges
    // below may still widen one of the two, and then its FakeQuantize requantizes.
    for (const auto& p : plan)
        if (!p.point.same_grid_as.empty() && ranges.count(p.point.same_grid_as))
            ranges[p.point.value] = ranges.at(p.point.same_grid_as);
    std::vector<std::vector<std::string>> shared;
    std::vector<std::string> kept_apart;
    if (settings.unify_scales.value_or(hardware.unify_by_default.value_or(host.target_device() == "CPU")))
        shared = unify_ranges(graph, ranges, hardware.unified_scales, &kept_apart);
    const auto symmetric = resolve_modes(plan, shared);

    nlohmann::json report = nlohmann::json::array();
    size_t weights = 0, activations = 0, asymmetric_weights = 0;
    NameAllocator names(graph);
    for (const auto& planned : plan) {
        const QuantizationPoint& p = planned.point;
        FakeQuantizeParams fq;
        int64_t rank = 0;
        FakeQuantizeSite site{p.value, std::nullopt, 0};
        if (p.kind == QuantizationPoint::Kind::Weight) {
            const Tensor& w = graph.constant(p.value);
            const auto [lo, hi] = weight_ranges(w, p.axis, planned.weights);
            // Symmetric weights use narrow-range signed codes; asymmetric ones all 2^bits codes with
            // a zero point per channel.
            QuantSpec spec{planned.bits, planned.weights.symmetric, /*is_signed=*/true,
                           /*narrow_range=*/planned.weights.symmetric};
            fq = fake_quantize_from_range(lo, hi, spec, p.axis);
            rank = w.rank();
            site = {p.value, p.node, p.input_index};
            ++weights;
            asymmetric_weights += !planned.weights.symmetric;
        } else {
            if (!ranges.count(p.value)) continue;  // non-finite: kept in float
            const ValueRange r = ranges.at(p.value);
            QuantSpec spec{planned.bits, symmetric.at(p.value),
                           /*is_signed=*/r.low < 0.0f, /*narrow_range=*/false};
            fq = fake_quantize_from_range({r.low}, {r.high}, spec, -1);
            rank = static_cast<int64_t>(graph.shape_of(p.value).value_or(Shape{}).size());
            ++activations;
        }
        insert_fake_quantize(graph, site, fq, rank, names);
        report.push_back(describe(p, fq));
        if (!p.same_grid_as.empty()) report.back()["same_grid_as"] = p.same_grid_as;
    }
    host.report(algorithm, "quantized", report.dump());
    if (!non_finite.empty()) {
        host.report(algorithm, "kept_in_float_non_finite", nlohmann::json(non_finite).dump());
        host.log(LogLevel::Warning, str_cat(algorithm, ": ", non_finite.size(), " activation(s) reach infinity ",
                                            "and stay in float, e.g. '", non_finite.front(), "'"));
    }
    if (!shared.empty()) host.report(algorithm, "shared_ranges", nlohmann::json(shared).dump());
    if (!kept_apart.empty()) {
        host.report(algorithm, "kept_out_of_shared_ranges", nlohmann::json(kept_apart).dump());
        host.log(LogLevel::Info, str_cat(algorithm, ": ", kept_apart.size(), " value(s) keep their own range: ",
                                         "sharing would widen it more than ", kMaxSharedRangeWidening,
                                         "x, e.g. '", kept_apart.front(), "'"));
    }
    if (!softmax_floors.empty()) {
        nlohmann::json floors = nlohmann::json::array();
        for (const auto& f : softmax_floors)
            floors.push_back({{"value", f.value}, {"softmax_length", f.length},
                              {"measured_high", f.high_before}, {"high", f.high_after}});
        host.report(algorithm, "softmax_output_floor", floors.dump());
        host.log(LogLevel::Info, str_cat(algorithm, ": ", softmax_floors.size(), " Softmax output range(s) ",
                                         "widened to the finest grid ONNX Runtime's QLinearSoftmax computes, e.g. '",
                                         softmax_floors.front().value, "'"));
    }
    host.log(LogLevel::Info, str_cat(algorithm, ": quantized ", weights, " weight tensors and ",
                                     activations, " activations"));
    if (asymmetric_weights > 0)
        host.log(LogLevel::Info, str_cat(algorithm, ": ", asymmetric_weights, " weight tensor(s) have a zero point "
                                         "(mode asymmetric): ONNX Runtime runs their ops on integers, the cpu "
                                         "engine in f32 on the dequantized weights (its oneDNN kernels take no "
                                         "weight zero point)"));
}

}  // namespace pot::min_max
