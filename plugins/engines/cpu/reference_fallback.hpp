#pragma once

#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::cpu {

/// True when the plain C++ kernels (reference engine, or the few evaluated here) run `node`.
bool fallback_supports(const Node& node);

/// Evaluates `node` on `inputs` (one per node input; empty tensors for omitted optional inputs)
/// with the plain C++ kernels. FakeQuantize and Shape are evaluated here, everything else by
/// the reference engine's kernels.
std::vector<Tensor> evaluate_node(int64_t opset, const Node& node,
                                  const std::vector<Tensor>& inputs);

}  // namespace pot::cpu
