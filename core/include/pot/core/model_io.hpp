#pragma once

#include <filesystem>
#include <string>

#include "pot/graph.hpp"

namespace pot::core {

/// Reads an ONNX model into the IR.
///
/// The model is checked with the ONNX checker and shapes are inferred (the results fill
/// Graph::value_info; symbolic or unknown dimensions become -1). Constant nodes become
/// initializers, nodes without a name are called `<op_type>_<index>`, and names are made unique.
/// QuantizeLinear -> DequantizeLinear pairs, and DequantizeLinear on a constant int8/uint8 weight,
/// are imported as one FakeQuantize node (see fake_quantize.hpp), so a file written by save_onnx()
/// loads back into the IR it was written from. DequantizeLinear on a constant int32 tensor (a
/// quantized bias) is folded into a float constant.
///
/// Throws pot::Error(Input) naming the file (and the node or tensor where there is one) when the
/// file is missing or unreadable, is not an ONNX model, fails the checker, stores tensors in
/// external files, or uses element types or attributes the IR cannot hold.
Graph load_onnx(const std::filesystem::path& file);

/// Same as load_onnx() for model bytes held in memory; `origin` names the source in messages.
Graph parse_onnx(const std::string& bytes, const std::string& origin);

/// Serializes the IR as an ONNX model (ModelProto bytes), in the layout save_onnx() describes.
/// Throws pot::Error(Runtime) naming the node when a part of the graph has no ONNX form.
std::string serialize_onnx(const Graph& graph);

/// Writes the IR as an ONNX model.
///
/// FakeQuantize nodes become the QDQ layout ONNX Runtime fuses into integer kernels:
///  - on an activation: QuantizeLinear -> DequantizeLinear (uint8 codes when the range allows,
///    else int8). A FakeQuantize with fewer than 256 levels is preceded by a Clip to its range.
///  - on a constant (a weight): the constant is stored already quantized (int8 when possible) and
///    read by a DequantizeLinear only; per-channel bounds give a per-channel DequantizeLinear
///    along the FakeQuantize's channel axis (axis 0 for Conv weights).
/// A graph with quantization is raised to opset 13 when its opset is lower, rewriting the ops whose
/// signature changed (Clip, Pad, Slice, TopK, Upsample/Resize, Dropout, Squeeze, Unsqueeze, Split,
/// ReduceSum, Softmax/LogSoftmax/Hardmax, Scatter). Initializers are written as raw_data, graph
/// input and output names are kept, and the model is checked with the ONNX checker before writing.
///
/// The write is atomic: the bytes go to a temporary file in the same folder that is renamed over
/// `file`; on any failure neither `file` nor the temporary file is left behind (an existing `file`
/// is left untouched). Throws pot::Error(Runtime) naming the file or node.
void save_onnx(const Graph& graph, const std::filesystem::path& file);

}  // namespace pot::core
