#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bias_settings.hpp"
#include "biased_op.hpp"
#include "pot/algorithm.hpp"
#include "pot/graph.hpp"

namespace pot::bias_correction {

/// Relative size of a bias change: max over channels of |new - old| / |old|. A zero old bias
/// makes any change infinitely large, so such ops keep their bias unless apply_for_all_nodes.
double bias_shift_magnitude(const std::vector<float>& old_bias, const std::vector<float>& new_bias);

/// Replaces the bias of `op` by `new_bias` (one value per channel, as read_bias returns it) when
/// settings.apply_for_all_nodes is set or its magnitude is below settings.threshold. Returns the
/// report entry: node, channels, magnitude, whether it was applied, and the largest and mean
/// absolute shift.
nlohmann::json update_bias(Graph& graph, const BiasedOp& op, const std::vector<float>& new_bias,
                           const BiasSettings& settings);

/// Per-channel amount to add to an op's bias so its quantized output mean meets the FP32 one.
using BiasShift = std::function<std::vector<float>(const BiasedOp&)>;

/// The correction loop both bias algorithms run: for every op of `ops` still quantized in
/// `graph` (ops an earlier step left in float are skipped), adds shift(op) to its bias through
/// update_bias, then reports the entries as `algorithm`'s "biases" section and logs how many
/// were applied.
void correct_biases(Graph& graph, const std::vector<BiasedOp>& ops, const BiasSettings& settings,
                    HostServices& host, const std::string& algorithm, const BiasShift& shift);

}  // namespace pot::bias_correction
