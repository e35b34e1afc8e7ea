#pragma once

// Evaluation of the shape-arithmetic ops that fold_constants() folds. Internal to core.

#include <optional>
#include <vector>

#include "pot/graph.hpp"

namespace pot::core::transforms {

/// Largest result (in elements) that constant folding materializes.
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

/// True when evaluate_constant_node() knows `node`'s op (default ONNX domain); Shape excluded.
bool is_foldable_op(const Node& node);

/// Output of Shape `node` (honouring start/end) for a value of static shape `shape`.
Tensor evaluate_shape(const Node& node, const Shape& shape);

/// Outputs of `node` for the given inputs (nullptr for an omitted optional input), or nullopt when
/// the types, attributes or values are outside what is evaluated here (the node is then kept).
std::optional<std::vector<Tensor>> evaluate_constant_node(const Node& node,
                                                          const std::vector<const Tensor*>& inputs,
                                                          int64_t opset);

}  // namespace pot::core::transforms
