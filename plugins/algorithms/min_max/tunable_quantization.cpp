#include "tunable_quantization.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "pot/text.hpp"
#include "range_estimation.hpp"

namespace pot::min_max {

namespace {

constexpr size_t kListedNames = 12;  // names an error lists before it only counts the rest

std::string listed(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size() && i < kListedNames; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > kListedNames) out += str_cat(", ... (", names.size(), " in all)");
    return out;
}

// The configured range estimator's tuning_scope entry, for the error naming it.
size_t scope_index(const Params& params, const std::string& key) {
    const auto keys = params.get_strings("tuning_scope");
    return static_cast<size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
}

}  // namespace

TunableQuantization::TunableQuantization(const Params& params)
    : scope_(parse_tuning_scope(params)),
      target_device_(params.get_enum<std::string>("target_device", "CPU", target_device_choices())),
      target_device_configured_(params.has("target_device")),
      settings_(parse_settings(params)) {
    POT_CHECK_KIND(
        Config, !scope_.has("range_estimator") || !settings_.activations.range.needs_histogram(),
        params.path(), "/tuning_scope/", scope_index(params, "range_estimator"),
        ": range_estimator tunes statistics estimators, and activations.range_estimator is a "
        "histogram method (kl, mse, ...); drop range_estimator from tuning_scope or configure "
        "mean_min_max, min_max or quantile");
}

void TunableQuantization::set_target_device(const std::string& device) {
    if (target_device_configured_) return;
    for (const auto& [name, value] : target_device_choices())
        if (device == name) target_device_ = value;
}

std::vector<TunableQuantization::TunedOp> TunableQuantization::tuned_ops(
    const Graph& graph, const std::vector<PlannedPoint>& base_plan) const {
    std::map<std::string, TunedOp> by_node;
    for (const auto& planned : base_plan) {
        const QuantizationPoint& p = planned.point;
        if (p.kind == QuantizationPoint::Kind::Activation) {
            by_node[p.config_node].traits.has_activations = true;
            continue;
        }
        TunedOp& op = by_node[p.node];
        const Node& node = graph.nodes[*graph.find_node(p.node)];
        op.traits.has_weights = true;
        op.traits.has_channel_axis = weight_channel_axis(node, graph.constant(p.value)).has_value();
        op.configured.weights_per_channel = p.axis >= 0;
    }
    std::vector<TunedOp> ops;
    for (const Node& node : graph.nodes) {
        auto it = by_node.find(node.name);
        if (it == by_node.end()) continue;
        TunedOp op = std::move(it->second);
        op.node = node.name;
        op.configured.activations_symmetric = settings_.activations.symmetric;
        op.configured.range = settings_.activations.range;
        op.configured = normalized(op.configured, op.traits, op.configured);
        ops.push_back(std::move(op));
    }
    return ops;
}

std::vector<TunableQuantization::TunedOp> TunableQuantization::ops_for(
    const Graph& graph, const HardwareConfig& hardware) const {
    return tuned_ops(graph, plan_quantization(graph, hardware, settings_));
}

std::map<std::string, OpChoice> TunableQuantization::chosen(
    const std::vector<TunedOp>& ops, const std::map<std::string, std::string>& trial) const {
    std::map<std::string, OpChoice> out;
    for (const auto& [node, text] : trial) {
        const auto op =
            std::find_if(ops.begin(), ops.end(), [&](const TunedOp& o) { return o.node == node; });
        if (op == ops.end()) {
            std::vector<std::string> names;
            for (const auto& o : ops) names.push_back(o.node);
            POT_THROW(Config, name(), ": the trial sets a choice for '", node,
                      "', which is no quantized op", did_you_mean(node, names),
                      "; the quantized ops are: ", listed(names));
        }
        const auto choice = parse_choice(text, op->traits, op->configured);
        const auto offered = [&](const std::vector<OpChoice>& choices) {
            return choice && std::find(choices.begin(), choices.end(), *choice) != choices.end();
        };
        // The choices around the configured one hold every choice unless presets widen them.
        if (offered(op_choices(op->configured, op->configured, op->traits, scope_)) ||
            offered(reachable_choices(op->configured, op->traits, scope_))) {
            out.emplace(node, *choice);
            continue;
        }
        std::vector<std::string> allowed;
        for (const auto& c : reachable_choices(op->configured, op->traits, scope_))
            allowed.push_back(format_choice(c, op->traits));
        POT_THROW(Config, name(), ": the trial sets '", text, "' for op '", node, "', which ",
                  choice ? "the op's tuning_scope does not offer" : "is no choice text",
                  "; allowed: ", listed(allowed));
    }
    return out;
}

void TunableQuantization::check_target(const Graph& graph, const std::vector<TunedOp>& host_ops,
                                       HostServices& host) const {
    if (trial_.empty() || settings_.hardware_config || host.target_device() == target_device_)
        return;
    POT_CHECK_KIND(Config, ops_for(graph, builtin_hardware_config(target_device_)) == host_ops,
                   name(), ": the search space was derived for target device ", target_device_,
                   " (params.target_device), but the compression section's target_device is ",
                   host.target_device(),
                   ", which quantizes other ops; set params.target_device to \"",
                   host.target_device(), "\"");
}

SearchSpace TunableQuantization::search_space(const Graph& graph) const {
    const auto hardware = settings_.hardware_config
                              ? read_hardware_config(*settings_.hardware_config)
                              : builtin_hardware_config(target_device_);
    const auto ops = ops_for(graph, hardware);
    seen_ops_ = ops;
    const auto trial = chosen(ops, trial_);
    SearchSpace space;
    for (const auto& op : ops) {
        const auto it = trial.find(op.node);
        const OpChoice& base = it != trial.end() ? it->second : op.configured;
        SearchDimension dimension{op.node, {}};
        for (const auto& c : op_choices(base, op.configured, op.traits, scope_))
            dimension.choices.push_back(format_choice(c, op.traits));
        space.dimensions.push_back(std::move(dimension));
    }
    return space;
}

void TunableQuantization::set_trial(const Trial& trial) {
    if (seen_ops_) chosen(*seen_ops_, trial.choice);
    trial_ = trial.choice;
}

std::vector<StatisticRequest> TunableQuantization::statistics_needed(const Graph& graph,
                                                                     HostServices& host) {
    settings_.ignored.warn_unmatched(graph, host);
    const auto plan = plan_quantization(graph, hardware_config_for(settings_, host), settings_);
    const auto ops = tuned_ops(graph, plan);
    check_target(graph, ops, host);
    chosen(ops, trial_);  // a bad trial fails before any statistics are collected

    // Every op starts from the same configured estimator, so they all reach the same ones.
    OpTraits activations;
    activations.has_activations = true;
    OpChoice configured;
    configured.activations_symmetric = settings_.activations.symmetric;
    configured.range = settings_.activations.range;
    configured = normalized(configured, activations, configured);
    std::vector<RangeEstimator> estimators;
    for (const auto& c : reachable_choices(configured, activations, scope_))
        if (!c.keep_float &&
            std::find(estimators.begin(), estimators.end(), c.range) == estimators.end())
            estimators.push_back(c.range);

    // An op kept in float can leave a moved value (same_grid_as) without its source's quantizer,
    // and then it needs statistics of its own.
    std::vector<StatisticRequest> requests;
    std::set<std::string> keys;
    for (const auto& p : plan) {
        if (p.point.kind != QuantizationPoint::Kind::Activation ||
            (!p.is_measured() && !scope_.has("layer")))
            continue;
        for (const auto& estimator : estimators)
            for (auto& r : range_first_pass_requests(estimator, p.point.value))
                if (keys.insert(r.key()).second) requests.push_back(std::move(r));
    }
    return requests;
}

void TunableQuantization::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    const auto hardware = hardware_config_for(settings_, host);
    const auto ops = ops_for(graph, hardware);
    const auto choices = chosen(ops, trial_);
    QuantizationOverrides overrides;
    nlohmann::json report = nlohmann::json::object();
    for (const auto& op : ops) {
        const auto it = choices.find(op.node);
        const OpChoice& choice = it != choices.end() ? it->second : op.configured;
        report[op.node] = format_choice(choice, op.traits);
        if (it == choices.end()) continue;
        if (choice.keep_float) {
            overrides.float_nodes.insert(op.node);
        } else {
            overrides.ops[op.node] = {choice.activations_symmetric, choice.range,
                                      choice.weights_per_channel};
        }
    }
    apply_plan(graph, plan_quantization(graph, hardware, settings_, overrides), stats, host,
               settings_, hardware, name());
    host.report(name(), "choices", report.dump());
}

}  // namespace pot::min_max
