#include "weight_sparsity.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "bias_settings.hpp"
#include "bias_update.hpp"
#include "channel_mean.hpp"
#include "layerwise_tuning.hpp"
#include "shape_probe.hpp"

namespace pot::weight_sparsity {

namespace {

using bias_correction::BiasedOp;

// The op of `op` alone, twice on one input of `shape` and without its bias: with `dense` weights
// (first output) and with `sparse` ones (second).
Graph make_two_weights_graph(const Graph& graph, const BiasedOp& op, const Shape& shape,
                             const Tensor& dense, const Tensor& sparse) {
    const Node& node = graph.nodes[node_index(graph, op.node)];
    Graph out;
    out.name = graph.name + "/" + op.node;
    out.opset = graph.opset;
    out.inputs.push_back({"src", DType::F32, shape});
    out.initializers["weights/dense"] = dense;
    out.initializers["weights/sparse"] = sparse;
    for (const char* kind : {"dense", "sparse"}) {
        Node copy = node;
        copy.name = str_cat(node.name, "/", kind);
        copy.inputs = {"src", str_cat("weights/", kind)};
        copy.outputs = {str_cat("dst/", kind)};
        out.nodes.push_back(std::move(copy));
        out.outputs.push_back({str_cat("dst/", kind), DType::F32, {}});
    }
    return out;
}

}  // namespace

WeightSparsity::WeightSparsity(const Params& params)
    : sampling_(parse_sampling(params)), ignored_(params.child("ignored")) {
    POT_CHECK_KIND(Config, params.has("sparsity_level"), params.path(),
                   "/sparsity_level: required (the fraction of weights set to zero, in [0, 1))");
    level_ = params.get_double("sparsity_level", 0.0);
    POT_CHECK_KIND(Config, level_ >= 0.0 && level_ < 1.0, params.path(), "/sparsity_level: must be in [0, 1), got ",
                   level_);
    normed_ = params.get_bool("normed_threshold", true);
    correct_distribution_ = params.get_bool("correct_weight_bias", true);
    eps_ = params.get_double("eps_factor", 1e-9);
    POT_CHECK_KIND(Config, eps_ >= 0.0, params.path(), "/eps_factor: must be >= 0, got ", eps_);
    // POT's bias step after sparsity applies every change (threshold inf, all nodes): its own
    // apply_for_all_nodes and threshold have no effect, so they are read and not used.
    params.get_bool("apply_for_all_nodes", true);
    POT_CHECK_KIND(Config, params.get_bool("use_fast_bias", true), params.path(),
                   "/use_fast_bias: false (BiasCorrection on real samples after sparsity) is not supported; the "
                   "mean-input correction runs (leave the key out or set it to true)");
    tuning_ = parse_tuning_settings(params, sampling_.seed);
    correct_bias_ = params.get_bool("correct_bias", true);
    params.reject_unknown();
}

std::vector<StatisticRequest> WeightSparsity::statistics_needed(const Graph& graph, HostServices& host) {
    ignored_.warn_unmatched(graph, host);
    // Without norming, raw magnitudes of the first convolutions carry the input's scale: POT keeps them.
    targets_ = find_sparsity_targets(graph, ignored_.resolve(graph), /*skip_input_convolutions=*/!normed_);
    biased_.clear();
    if (correct_bias_) {
        // A layer fitted layer-wise got its bias from the fit, which already matches the dense
        // layer's mean output on the samples: the bias step leaves it alone.
        std::set<std::string> names;
        for (const auto& t : targets_)
            if (!tuning_.enabled || !is_tunable(graph, t)) names.insert(t.node);
        for (auto& op : bias_correction::find_biased_ops(graph))
            if (names.count(op.node)) biased_.push_back(std::move(op));
    }
    return bias_correction::input_mean_requests(graph, biased_, shapes_, host);
}

void WeightSparsity::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    std::vector<const Tensor*> tensors;
    for (const auto& t : targets_) tensors.push_back(&graph.constant(t.weights));
    const float threshold = sparsity_threshold(tensors, level_, normed_);
    const SparsifyOptions options{threshold, normed_, correct_distribution_, eps_};

    std::map<std::string, Tensor> dense;  // the weights before, of the ops the bias step corrects
    std::set<std::string> biased;
    for (const auto& op : biased_) biased.insert(op.node);
    nlohmann::json layers = nlohmann::json::array();
    size_t zeroed = 0, total = 0;
    for (const auto& t : targets_) {
        const bool tunable = tuning_.enabled && is_tunable(graph, t);
        const size_t index = node_index(graph, t.node);
        Tensor& w = owned_constant(graph, index, 1, "/sparse");
        if (biased.count(t.node) || tunable) dense.emplace(t.node, w);
        const size_t n = sparsify(w, t.channel_axis, options);
        zeroed += n;
        total += static_cast<size_t>(w.numel());
        layers.push_back({{"node", t.node},
                          {"shape", w.shape()},
                          {"sparsity", static_cast<double>(n) / static_cast<double>(w.numel())}});
    }

    std::set<std::string> tuned;
    if (tuning_.enabled) host.report(name(), "tuning", tune_layers(graph, targets_, dense, tuning_, host, tuned).dump());

    nlohmann::json biases = nlohmann::json::array();
    bias_correction::BiasSettings apply_all;
    apply_all.threshold = std::numeric_limits<double>::infinity();
    apply_all.apply_for_all_nodes = true;
    for (const auto& op : biased_) {
        const Node& node = graph.nodes[node_index(graph, op.node)];
        const Shape& shape = shapes_.at(op.src);
        const auto mean = stats.floats(bias_correction::channel_mean_request(op.src, op.channel_axis));
        const Tensor src = bias_correction::broadcast_channels(mean, shape, op.channel_axis);
        const auto outputs = host.engine()
                                 .compile(make_two_weights_graph(graph, op, shape, dense.at(op.node),
                                                                 graph.constant(node.inputs[1])))
                                 ->infer({src});
        POT_CHECK(outputs.size() == 2, name(), ": bias step of '", op.node, "' expected two outputs, got ",
                  outputs.size());
        const auto before = bias_correction::channel_means(outputs[0], op.channel_axis);
        const auto after = bias_correction::channel_means(outputs[1], op.channel_axis);
        auto bias = bias_correction::read_bias(graph, op);
        POT_CHECK(before.size() == bias.size() && after.size() == bias.size(), name(), ": '", op.node, "' has ",
                  bias.size(), " bias values and ", before.size(), " output channels");
        for (size_t c = 0; c < bias.size(); ++c) bias[c] += before[c] - after[c];
        biases.push_back(bias_correction::update_bias(graph, op, bias, apply_all));
    }

    const double achieved = total ? static_cast<double>(zeroed) / static_cast<double>(total) : 0.0;
    host.report(name(), "sparsity_level", nlohmann::json(achieved).dump());
    host.report(name(), "threshold", nlohmann::json(threshold).dump());
    host.report(name(), "layers", layers.dump());
    host.report(name(), "biases", biases.dump());
    host.log(LogLevel::Info, str_cat(name(), ": zeroed ", zeroed, " of ", total, " weights (",
                                     achieved * 100.0, "%) in ", targets_.size(), " layers; fitted ",
                                     tuned.size(), " layer-wise; corrected ", biases.size(), " biases"));
}

}  // namespace pot::weight_sparsity
