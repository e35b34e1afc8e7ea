#pragma once

#include <map>
#include <string>
#include <vector>

#include "biased_op.hpp"
#include "pot/algorithm.hpp"

namespace pot::bias_correction {

/// Shapes of `values` in `graph`, batch dimension (the first) set to 1. Taken from the graph's
/// shape information when every other dimension is known; otherwise the first calibration sample
/// is run through host.engine() to observe them (the engine then holds `graph`). Throws naming
/// the value when a shape stays unknown.
std::map<std::string, Shape> value_shapes(const Graph& graph,
                                          const std::vector<std::string>& values,
                                          HostServices& host);

/// The batch-1 input shape of every op of `ops` (into `shapes`), each op's channel axis resolved from
/// it; ops whose axis cannot be used are dropped. Returns the per-channel mean requests of their
/// inputs, the FP32 statistics both mean-based bias steps start from.
std::vector<StatisticRequest> input_mean_requests(const Graph& graph, std::vector<BiasedOp>& ops,
                                                  std::map<std::string, Shape>& shapes, HostServices& host);

}  // namespace pot::bias_correction
