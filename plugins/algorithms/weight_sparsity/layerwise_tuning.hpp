#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/algorithm.hpp"
#include "sparsity.hpp"
#include "tuning_settings.hpp"

namespace pot::weight_sparsity {

/// Most bytes of the Gram matrices of one layer: beyond them (a Gemm over more than 8191 inputs)
/// the layer is not fitted and keeps the bias step.
inline constexpr uint64_t kMaxGramBytesPerLayer = uint64_t{256} << 20;

/// True when the layer-wise fit handles `target` of `graph`: a supported op (see tuning_layout())
/// whose Gram matrices stay within kMaxGramBytesPerLayer. Decided from the weights' shape, before
/// anything is allocated.
bool is_tunable(const Graph& graph, const SparsityTarget& target);

/// POT's layer-wise tuning of a sparse model, as least squares. `graph` holds the sparsified
/// weights (each target's weights owned by its node); `dense` the weights every tunable target of
/// `targets` had before. The model as it is runs on the first settings.samples calibration samples
/// while the data input of each tunable target is observed; positions of it (at most a few
/// thousand per layer, spread over the samples) give the Gram matrix of the layer's im2col'ed
/// source with a column of ones. Then the kept weights and the bias of every output channel are
/// set so that the layer's output on those rows matches the dense layer's on the same rows
/// (fit_masked_columns()); zero weights stay zero.
///
/// Adds the nodes it fitted to `tuned` and returns one report entry per layer: node, groups,
/// columns, rows, method, iterations, the relative output error (||dY||^2 / ||Y||^2 over the
/// rows) before and after, and the channels left unchanged. Layers are gathered in passes over
/// the samples whose Gram matrices together stay within a fixed memory bound.
nlohmann::json tune_layers(Graph& graph, const std::vector<SparsityTarget>& targets,
                           const std::map<std::string, Tensor>& dense,
                           const TuningSettings& settings, HostServices& host,
                           std::set<std::string>& tuned);

}  // namespace pot::weight_sparsity
