#include "quant_noise_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "csv.hpp"  // plugins/common
#include "pot/fake_quantize_node.hpp"
#include "pot/result_services.hpp"
#include "pot/text.hpp"

namespace pot::quant_noise {

namespace {

// Samples measured when the config gives no stat_subset_size (POT requires one).
constexpr int64_t kDefaultSamples = 300;

// The Conv nodes of `graph`, in node (network) order.
std::vector<size_t> conv_nodes(const Graph& graph) {
    std::vector<size_t> nodes;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        if (graph.nodes[i].domain.empty() && graph.nodes[i].op_type == "Conv" && !graph.nodes[i].outputs.empty())
            nodes.push_back(i);
    return nodes;
}

std::string format_metric(const std::vector<double>& metric, bool as_list) {
    std::ostringstream out;
    out.precision(9);
    if (as_list) out << '[';
    for (size_t i = 0; i < metric.size(); ++i) out << (i ? " " : "") << metric[i];
    if (as_list) out << ']';
    return out.str();
}

// stat_subset_size: how many of the first samples to measure (0: all).
size_t checked_sample_count(const Params& params) {
    const int64_t count = params.get_int("stat_subset_size", kDefaultSamples);
    POT_CHECK_KIND(Config, count >= 0, params.path(), "/stat_subset_size: must be >= 0 (0 = all samples), got ", count);
    return static_cast<size_t>(count);
}

}  // namespace

QuantNoiseEstimator::QuantNoiseEstimator(const Params& params)
    : samples_(checked_sample_count(params)),
      layerwise_(params.get_enum<bool>("mode", false,
                                       {{"full_fq_noise", false}, {"layerwise_fq_noise", true}})),
      measure_(parse_measure(params.get_string("type", "sqnr"), params.path() + "/type")),
      eps_(params.get_double("eps", 1e-15)) {
    POT_CHECK_KIND(Config, eps_ >= 0.0 && std::isfinite(eps_), params.path() + "/eps",
                   ": must be a finite number >= 0, got ", eps_);
    if (params.has("results_dump_filename")) {
        // POT writes the CSV where it is told; here it goes with the job's results, under the
        // file name given (POT's configs say "./<name>.csv").
        const std::string given = params.get_string("results_dump_filename", "");
        const std::string file = std::filesystem::path(given).filename().string();
        POT_CHECK_KIND(Config, !file.empty() && file != "." && file != "..", params.path() + "/results_dump_filename",
                       ": expected a file name, got '", given, "'");
        dump_file_ = file;
    }
    params.reject_unknown();
}

std::vector<QuantNoiseEstimator::LayerNoise> QuantNoiseEstimator::measure(const Graph& graph,
                                                                        HostServices& host) const {
    Graph reference = graph;
    remove_fake_quantize(reference);
    const DataLoader& data = host.data();
    const size_t count = samples_ == 0 ? data.size() : std::min(samples_, data.size());
    POT_CHECK_KIND(Input, count > 0, name(), ": no samples to measure on (", data.describe(), ")");

    // Each Conv's output value in a model: quantizer removal gives producers their names back, so
    // nodes are matched by name.
    const auto output_of = [](const Graph& g, const std::string& node) {
        const auto index = g.find_node(node);
        POT_CHECK(index.has_value(), "node '", node, "' is missing from a model derived from the quantized one");
        return g.nodes[*index].outputs[0];
    };
    // Compiled once: layerwise mode compares every layer's own model with it.
    const auto float_model = host.engine().compile(reference);
    // Runs the float model and `quantized` on the samples and folds the outputs of `layers` into
    // one accumulator each.
    const auto compare = [&](const Graph& quantized, const std::vector<std::string>& layers) {
        std::vector<std::string> float_values, quantized_values;
        for (const auto& layer : layers) {
            float_values.push_back(output_of(reference, layer));
            quantized_values.push_back(output_of(quantized, layer));
        }
        auto quantized_model = host.engine().compile(quantized);
        std::vector<NoiseAccumulator> acc(layers.size(), NoiseAccumulator(measure_, eps_));
        for (size_t k = 0; k < count; ++k) {
            const Sample sample = data.get(k);
            ValueRecorder f, q;
            float_model->infer(sample.inputs, float_values, &f);
            quantized_model->infer(sample.inputs, quantized_values, &q);
            for (size_t i = 0; i < layers.size(); ++i)
                acc[i].add(f.values.at(float_values[i]), q.values.at(quantized_values[i]), layers[i]);
        }
        return acc;
    };

    std::vector<LayerNoise> result;
    if (!layerwise_) {
        std::vector<std::string> layers;
        for (size_t n : conv_nodes(graph)) layers.push_back(graph.nodes[n].name);
        if (layers.empty()) return result;
        const auto acc = compare(graph, layers);
        for (size_t i = 0; i < layers.size(); ++i) result.push_back({layers[i], acc[i].value()});
        return result;
    }
    std::vector<std::string> all_quantizers;
    for (const auto& node : graph.nodes)
        if (is_fake_quantize(node)) all_quantizers.push_back(node.name);
    for (size_t n : conv_nodes(graph)) {
        const auto own = quantizers_of(graph, graph.nodes[n]);
        if (own.empty() || !own[0]) continue;  // POT: only convolutions whose data input is quantized
        std::set<std::string> keep;
        for (const auto& q : own)
            if (q) keep.insert(graph.nodes[*q].name);
        std::vector<std::string> others;
        for (const auto& q : all_quantizers)
            if (!keep.count(q)) others.push_back(q);
        Graph single = graph;
        remove_fake_quantize(single, others);
        const std::string layer = graph.nodes[n].name;
        host.log(LogLevel::Info, str_cat(name(), ": layer '", layer, "' alone"));
        result.push_back({layer, compare(single, {layer})[0].value()});
    }
    return result;
}

void QuantNoiseEstimator::apply(Graph& graph, const Statistics&, HostServices& host) {
    const auto layers = measure(graph, host);
    const bool list = per_channel(measure_);
    nlohmann::json report = nlohmann::json::array();
    std::string csv = ",noise_metric,layer_name\n";
    for (size_t i = 0; i < layers.size(); ++i) {
        nlohmann::json metric = list ? nlohmann::json(layers[i].metric) : nlohmann::json(layers[i].metric.at(0));
        report.push_back({{"layer", layers[i].layer}, {"noise_metric", metric}});
        csv += str_cat(i, ",", common::csv_field(format_metric(layers[i].metric, list)), ",", common::csv_field(layers[i].layer), "\n");
    }
    host.report(name(), "layers", report.dump());
    if (!list && !layers.empty()) {
        const auto worst = std::min_element(layers.begin(), layers.end(), [](const LayerNoise& a, const LayerNoise& b) {
            return a.metric[0] < b.metric[0];
        });
        host.log(LogLevel::Info, str_cat(name(), ": ", layers.size(), " convolution(s); noisiest '", worst->layer,
                                         "' at ", 10.0 * std::log10(worst->metric[0]), " dB"));
    }
    if (dump_file_) {
        auto* results = dynamic_cast<ResultServices*>(&host);
        POT_CHECK(results != nullptr, name(), ": results_dump_filename needs a host that saves result files");
        results->add_result_file(*dump_file_, csv);
    }
}

}  // namespace pot::quant_noise
