#pragma once

// Structural and per-op checks of an imported graph, run once at import so that no engine ever
// sees a model it would have to re-validate. Internal to the model_io library.

#include <cstdint>
#include <string>

#include "pot/graph.hpp"

namespace pot::core::model_io {

/// Highest default-domain opset this build understands (that of the linked ONNX library).
int64_t newest_supported_opset();

/// Checks what the ONNX checker leaves to runtimes:
/// - the opset is one this build knows;
/// - the graph has outputs, each one defined; every value is defined exactly once (no node
///   redefines a graph input, an initializer or another node's output); every node reads only
///   values defined before it (so the graph is acyclic);
/// - Conv, ConvTranspose and pooling attributes are well formed (auto_pad, kernel_shape,
///   strides, dilations, pads, group), and their weights, biases and channel counts agree;
///   Gemm and BatchNormalization parameter lengths match;
/// - weights of Conv, ConvTranspose, Gemm and MatMul are finite.
/// Throws pot::Error(Input) naming the node, value or attribute at fault.
void validate_graph(const Graph& graph);

}  // namespace pot::core::model_io
