#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::reference {

/// Runs one node with the reference kernels (ONNX semantics, opsets 9-17, plus FakeQuantize of
/// domain org.openvinotoolkit).
///  - `inputs` has one entry per node.inputs; nullptr marks an omitted optional input.
///    Constants (initializers) are passed like any other input.
///  - `outputs` is resized to node.outputs.size() and filled; a slot whose output name is empty
///    may be left as an empty Tensor.
///  - `opset` is the model's default-domain opset (Graph::opset). Some ops change meaning with it:
///    Softmax's axis, and whether Clip, Pad, Split, Squeeze, Unsqueeze, Slice read attributes or
///    inputs.
/// Output shapes follow from the actual input shapes. Throws pot::Error whose message starts with
/// node.describe() when the op is unsupported or the inputs do not fit it.
void run_node(const Node& node, const std::vector<const Tensor*>& inputs,
              std::vector<Tensor>& outputs, int64_t opset);

/// True when run_node implements the node's op type and domain.
bool supports_op(const Node& node);

/// Throws pot::Error naming the node and the op when run_node cannot run it: an unknown op, or an
/// attribute value the kernel does not implement (e.g. Resize mode "cubic"). Shapes are not
/// checked here; they are only known at run time.
void check_node(const Node& node, int64_t opset);

/// What Shape `node` outputs (start and end honoured) for an input of shape `shape`: Shape needs
/// only the shape, so a caller that knows a value's static shape but not its data can evaluate it.
Tensor shape_output(const Node& node, const Shape& shape);

/// The element type ONNX TensorProto data type `code` names (Cast's `to`), or nullopt for a type
/// tensors cannot hold (bool, float16, double, ...).
std::optional<DType> dtype_from_onnx_code(int64_t code);

/// The op types run_node implements, sorted. All are in the default ONNX domain except
/// FakeQuantize (pot::kFakeQuantizeDomain).
std::vector<std::string> supported_ops();

}  // namespace pot::reference
