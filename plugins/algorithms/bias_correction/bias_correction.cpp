#include "bias_correction.hpp"

#include <algorithm>

#include "bias_update.hpp"
#include "channel_mean.hpp"
#include "graph_prefix.hpp"
#include "pot/fake_quantize_node.hpp"
#include "shape_probe.hpp"

namespace pot::bias_correction {

BiasCorrection::BiasCorrection(const Params& params) : settings_(parse_bias_settings(params)) {}

std::vector<StatisticRequest> BiasCorrection::statistics_needed(const Graph& graph,
                                                                HostServices& host) {
    if (has_fake_quantize(graph))
        host.log(LogLevel::Warning,
                 str_cat(name(),
                         ": the model is already quantized when statistics are collected, so "
                         "FP32 means are not available; put this algorithm in the same stage "
                         "as the quantization (right after MinMaxQuantization)"));
    ops_ = find_biased_ops(graph);
    // MatMul ops need the rank of their input to know their channel axis.
    std::vector<std::string> unranked;
    for (auto& op : ops_) {
        if (op.channel_axis >= 0) continue;
        if (const auto shape = graph.shape_of(op.src))
            resolve_channel_axis(op, static_cast<int64_t>(shape->size()));
        else
            unranked.push_back(op.src);
    }
    if (!unranked.empty()) {
        const auto shapes = value_shapes(graph, unranked, host);
        for (auto& op : ops_)
            if (op.channel_axis < 0 && shapes.count(op.src))
                resolve_channel_axis(op, static_cast<int64_t>(shapes.at(op.src).size()));
    }
    std::erase_if(ops_, [](const BiasedOp& op) { return op.channel_axis < 0; });
    std::vector<StatisticRequest> requests;
    for (const auto& op : ops_) requests.push_back(channel_mean_request(op.dst, op.channel_axis));
    return requests;
}

std::vector<float> BiasCorrection::quantized_mean_output(const Graph& graph, const BiasedOp& op,
                                                         HostServices& host) const {
    // The biased output as the quantized graph names it: a FakeQuantize may have taken over the
    // FP32 name, and the producer now writes a renamed value.
    const std::string value = graph.nodes[node_index(graph, op.bias_node)].outputs.at(0);
    const auto request = channel_mean_request(value, op.channel_axis);
    const auto stats =
        host.collect(graph_prefix(graph, value), {request}, settings_.sampling.subset_size);
    auto means = stats.floats(request);
    POT_CHECK(static_cast<int64_t>(means.size()) == op.channels, "bias correction of '", op.node,
              "': the quantized op has ", means.size(), " output channels, expected ", op.channels);
    return means;
}

void BiasCorrection::apply(Graph& graph, const Statistics& stats, HostServices& host) {
    correct_biases(graph, ops_, settings_, host, name(), [&](const BiasedOp& op) {
        const auto fp32_mean = stats.floats(channel_mean_request(op.dst, op.channel_axis));
        const auto q_mean = quantized_mean_output(graph, op, host);
        std::vector<float> shift(q_mean.size());
        for (size_t c = 0; c < shift.size(); ++c) shift[c] = fp32_mean.at(c) - q_mean[c];
        return shift;
    });
}

}  // namespace pot::bias_correction
