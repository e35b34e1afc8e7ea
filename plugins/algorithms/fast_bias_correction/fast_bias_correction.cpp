#include "fast_bias_correction.hpp"

#include <algorithm>

#include "bias_update.hpp"
#include "channel_mean.hpp"
#include "pot/fake_quantize_node.hpp"
#include "shape_probe.hpp"
#include "weight_error_graph.hpp"

namespace pot::bias_correction {

FastBiasCorrection::FastBiasCorrection(const Params& params)
    : settings_(parse_bias_settings(params)) {}

std::vector<StatisticRequest> FastBiasCorrection::statistics_needed(const Graph& graph,
                                                                    HostServices& host) {
    if (std::any_of(graph.nodes.begin(), graph.nodes.end(), is_fake_quantize))
        host.log(LogLevel::Warning,
                 str_cat(name(),
                         ": the model is already quantized when statistics are collected, so "
                         "FP32 means are not available; put this algorithm in the same stage "
                         "as the quantization (right after MinMaxQuantization)"));
    ops_ = find_biased_ops(graph);
    shapes_.clear();
    if (ops_.empty()) return {};
    std::vector<std::string> sources;
    for (const auto& op : ops_) sources.push_back(op.src);
    shapes_ = value_shapes(graph, sources, host);
    std::erase_if(ops_, [&](BiasedOp& op) {
        return !resolve_channel_axis(op, static_cast<int64_t>(shapes_.at(op.src).size()));
    });
    std::vector<StatisticRequest> requests;
    for (const auto& op : ops_) requests.push_back(channel_mean_request(op.src, op.channel_axis));
    return requests;
}

std::vector<float> FastBiasCorrection::mean_output_shift(const Graph& graph, const BiasedOp& op,
                                                         const std::vector<float>& src_mean,
                                                         HostServices& host) const {
    // Both copies see the same input of the real shape, so padding and border effects cancel.
    const Shape& shape = shapes_.at(op.src);
    const Tensor src = broadcast_channels(src_mean, shape, op.channel_axis);
    Engine& engine = host.engine();
    engine.set_model(make_weight_error_graph(graph, op, shape));
    const auto outputs = engine.infer({src});
    POT_CHECK(outputs.size() == 2, "bias correction of '", op.node, "': expected two outputs, got ",
              outputs.size());
    const auto quantized = channel_means(outputs[0], op.channel_axis);
    const auto fp32 = channel_means(outputs[1], op.channel_axis);
    POT_CHECK(static_cast<int64_t>(quantized.size()) == op.channels, "bias correction of '",
              op.node, "': the op has ", quantized.size(), " output channels, expected ",
              op.channels);
    std::vector<float> shift(quantized.size());
    for (size_t c = 0; c < shift.size(); ++c) shift[c] = fp32[c] - quantized[c];
    return shift;
}

void FastBiasCorrection::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    nlohmann::json report = nlohmann::json::array();
    size_t applied = 0;
    for (const auto& op : ops_) {
        const auto index = graph.find_node(op.node);
        if (!index || !weight_quantizer(graph, graph.nodes[*index])) continue;  // kept in float
        const auto src_mean = stats.floats(channel_mean_request(op.src, op.channel_axis));
        const auto shift = mean_output_shift(graph, op, src_mean, host);
        auto bias = read_bias(graph, op);
        for (size_t c = 0; c < bias.size(); ++c) bias[c] += shift[c];
        auto entry = update_bias(graph, op, bias, settings_);
        applied += entry["applied"].get<bool>() ? 1 : 0;
        if (!entry["applied"].get<bool>())
            host.log(LogLevel::Debug,
                     str_cat(name(), ": kept the bias of '", op.node,
                             "': its change exceeds threshold ", settings_.threshold));
        report.push_back(std::move(entry));
    }
    host.report(name(), "biases", report.dump());
    host.log(LogLevel::Info, str_cat(name(), ": corrected ", applied, " of ", report.size(),
                                     " quantized ops with bias"));
}

}  // namespace pot::bias_correction
