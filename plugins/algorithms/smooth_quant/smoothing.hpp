#pragma once

#include <vector>

#include "pot/graph.hpp"
#include "smoothing_site.hpp"

namespace pot::smooth_quant {

/// Bounds on a channel's factor: no channel is scaled by more than 1000x either way.
inline constexpr float kMinFactor = 1e-3f;
inline constexpr float kMaxFactor = 1e3f;

/// SmoothQuant's per-channel factors s[j] = max|X_j|^alpha / max|W_j|^(1 - alpha), clipped to
/// [kMinFactor, kMaxFactor]; 1 for a channel whose activation or weight maximum is 0 (nothing to
/// balance). `activation_max[j]` is max|X| over channel j; `weight_max[j]` is max|W| over the
/// weights that read channel j (all consumers). alpha in [0, 1]: 0 leaves the activation as it is
/// in range terms and flattens the weights, 1 flattens the activation.
std::vector<float> smoothing_factors(const std::vector<float>& activation_max,
                                     const std::vector<float>& weight_max, double alpha);

/// max|W| per input channel over every consumer's weights.
std::vector<float> weight_channel_max(const Graph& graph, const SmoothingSite& site);

/// Divides the site's affine constants by `factors` (channel j by factors[j]) and multiplies
/// input channel j of every consumer's weights by factors[j]. Constants shared with other nodes
/// are copied first, so nothing outside the site changes.
void apply_factors(Graph& graph, const SmoothingSite& site, const std::vector<float>& factors);

}  // namespace pot::smooth_quant
