#include "smoothing.hpp"

#include <algorithm>
#include <cmath>

namespace pot::smooth_quant {

namespace {

// Names the copy of a constant other nodes share, made before it is smoothed.
constexpr const char* kCopySuffix = "/smoothed";

// Calls f(channel, element) for every element of a consumer's weight [C, O] or [O, C].
template <typename Value, typename F>
void for_each_weight(Value* w, const Tensor& t, bool transposed, F&& f) {
    const auto rows = static_cast<size_t>(t.dim(0));
    const auto cols = static_cast<size_t>(t.dim(1));
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) f(transposed ? c : r, w[r * cols + c]);
}

}  // namespace

std::vector<float> smoothing_factors(const std::vector<float>& activation_max,
                                     const std::vector<float>& weight_max, double alpha) {
    POT_CHECK(activation_max.size() == weight_max.size(), "SmoothQuant: ", activation_max.size(),
              " activation channels but ", weight_max.size(), " weight channels");
    POT_CHECK(alpha >= 0.0 && alpha <= 1.0, "SmoothQuant: alpha ", alpha, " is outside [0, 1]");
    std::vector<float> factors(activation_max.size(), 1.0f);
    for (size_t j = 0; j < factors.size(); ++j) {
        const double x = activation_max[j];
        const double w = weight_max[j];
        if (!(x > 0.0) || !(w > 0.0) || !std::isfinite(x) || !std::isfinite(w)) continue;
        const double s = std::pow(x, alpha) / std::pow(w, 1.0 - alpha);
        factors[j] = std::clamp(static_cast<float>(s), kMinFactor, kMaxFactor);
    }
    return factors;
}

std::vector<float> weight_channel_max(const Graph& graph, const SmoothingSite& site) {
    std::vector<float> result(static_cast<size_t>(site.channels), 0.0f);
    for (const auto& consumer : site.consumers) {
        const Node& node = graph.nodes[node_index(graph, consumer.node)];
        const Tensor& w = graph.constant(node.inputs[1]);
        for_each_weight(w.data<float>(), w, consumer.transposed, [&](size_t j, const float& v) {
            result[j] = std::max(result[j], std::fabs(v));
        });
    }
    return result;
}

void apply_factors(Graph& graph, const SmoothingSite& site, const std::vector<float>& factors) {
    POT_CHECK(static_cast<int64_t>(factors.size()) == site.channels, "SmoothQuant of '",
              site.activation, "': ", factors.size(), " factors for ", site.channels, " channels");
    for (const auto& constant : site.affine) {
        Tensor& t = owned_constant(graph, node_index(graph, constant.node), constant.input, kCopySuffix);
        float* v = t.data<float>();
        for (size_t j = 0; j < factors.size(); ++j) v[j] /= factors[j];
    }
    for (const auto& consumer : site.consumers) {
        Tensor& w = owned_constant(graph, node_index(graph, consumer.node), 1, kCopySuffix);
        for_each_weight(w.data<float>(), w, consumer.transposed,
                        [&](size_t j, float& v) { v *= factors[j]; });
    }
}

}  // namespace pot::smooth_quant
