#include "bias_update.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pot::bias_correction {

double bias_shift_magnitude(const std::vector<float>& old_bias,
                            const std::vector<float>& new_bias) {
    double magnitude = 0.0;
    for (size_t c = 0; c < old_bias.size(); ++c) {
        const double shift = std::fabs(static_cast<double>(new_bias[c]) - old_bias[c]);
        if (old_bias[c] == 0.0f) {
            if (shift > 0.0) return std::numeric_limits<double>::infinity();
            continue;
        }
        magnitude = std::max(magnitude, shift / std::fabs(static_cast<double>(old_bias[c])));
    }
    return magnitude;
}

nlohmann::json update_bias(Graph& graph, const BiasedOp& op, const std::vector<float>& new_bias,
                           const BiasSettings& settings) {
    const auto old_bias = read_bias(graph, op);
    for (float b : new_bias)
        POT_CHECK(std::isfinite(b), "bias correction of '", op.node,
                  "': the new bias is not finite");
    const double magnitude = bias_shift_magnitude(old_bias, new_bias);
    const bool applied = settings.apply_for_all_nodes || magnitude < settings.threshold;
    if (applied) write_bias(graph, op, new_bias);
    double max_shift = 0.0, sum_shift = 0.0;
    for (size_t c = 0; c < old_bias.size(); ++c) {
        const double shift = std::fabs(static_cast<double>(new_bias[c]) - old_bias[c]);
        max_shift = std::max(max_shift, shift);
        sum_shift += shift;
    }
    // JSON has no infinity: a zero bias that would move reports null.
    return {{"node", op.node},
            {"channels", op.channels},
            {"applied", applied},
            {"magnitude", std::isfinite(magnitude) ? nlohmann::json(magnitude) : nlohmann::json()},
            {"max_abs_shift", max_shift},
            {"mean_abs_shift",
             old_bias.empty() ? 0.0 : sum_shift / static_cast<double>(old_bias.size())}};
}

void correct_biases(Graph& graph, const std::vector<BiasedOp>& ops, const BiasSettings& settings,
                    HostServices& host, const std::string& algorithm, const BiasShift& shift) {
    nlohmann::json report = nlohmann::json::array();
    size_t applied = 0;
    for (const auto& op : ops) {
        const auto index = graph.find_node(op.node);
        if (!index || !weight_quantizer(graph, graph.nodes[*index])) continue;  // kept in float
        const auto delta = shift(op);
        auto bias = read_bias(graph, op);
        for (size_t c = 0; c < bias.size(); ++c) bias[c] += delta.at(c);
        auto entry = update_bias(graph, op, bias, settings);
        if (entry["applied"].get<bool>())
            ++applied;
        else
            host.log(LogLevel::Debug, str_cat(algorithm, ": kept the bias of '", op.node,
                                              "': its change exceeds threshold ", settings.threshold));
        report.push_back(std::move(entry));
    }
    host.report(algorithm, "biases", report.dump());
    host.log(LogLevel::Info, str_cat(algorithm, ": corrected ", applied, " of ", report.size(),
                                     " quantized ops with bias"));
}

}  // namespace pot::bias_correction
