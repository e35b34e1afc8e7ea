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
    if (has_fake_quantize(graph))
        host.log(LogLevel::Warning,
                 str_cat(name(),
                         ": the model is already quantized when statistics are collected, so "
                         "FP32 means are not available; put this algorithm in the same stage "
                         "as the quantization (right after MinMaxQuantization)"));
    ops_ = find_biased_ops(graph);
    return input_mean_requests(graph, ops_, shapes_, host);
}

std::vector<float> FastBiasCorrection::mean_output_shift(const Graph& graph, const BiasedOp& op,
                                                         const std::vector<float>& src_mean,
                                                         HostServices& host) const {
    // Both copies see the same input of the real shape, so padding and border effects cancel.
    const Shape& shape = shapes_.at(op.src);
    const Tensor src = broadcast_channels(src_mean, shape, op.channel_axis);
    Engine& engine = host.engine();
    const auto outputs = engine.compile(make_weight_error_graph(graph, op, shape))->infer({src});
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
    correct_biases(graph, ops_, settings_, host, name(), [&](const BiasedOp& op) {
        const auto src_mean = stats.floats(channel_mean_request(op.src, op.channel_axis));
        return mean_output_shift(graph, op, src_mean, host);
    });
}

}  // namespace pot::bias_correction
