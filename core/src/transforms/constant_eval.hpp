#pragma once

// When constant folding evaluates a node, and with what: the reference kernels compute every op
// (one implementation of ONNX semantics for folding and the engines); this decides which nodes are
// worth and safe to fold. Internal to core.

#include <optional>
#include <vector>

#include "pot/graph.hpp"

namespace pot::core::transforms {

/// Largest result (in elements) that constant folding materializes.
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

/// True for the ops constant folding evaluates (default ONNX domain): the shape arithmetic
/// exporters write. Shape is excluded: it folds from a static shape, not from constant inputs.
bool is_foldable_op(const Node& node);

/// Outputs of `node` for the given inputs (nullptr for an omitted optional input), or nullopt when
/// the node is kept: an op that is not foldable, a result over kMaxFoldedElements, a conversion
/// whose result C++ leaves undefined, or inputs the op rejects (then the runtime reports them).
std::optional<std::vector<Tensor>> evaluate_constant_node(const Node& node,
                                                          const std::vector<const Tensor*>& inputs,
                                                          int64_t opset);

}  // namespace pot::core::transforms
