#pragma once

// Steps of ONNX import and export that work on the IR alone (no protobuf types), shared by
// onnx_reader.cpp and onnx_writer.cpp.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "pot/graph.hpp"

namespace pot::core::model_io {

/// Opset from which per-channel QuantizeLinear/DequantizeLinear (attribute `axis`) exist.
inline constexpr int64_t kQdqOpset = 13;

/// Doc string key on an exported DequantizeLinear that records the FakeQuantize levels when they
/// are fewer than the code type holds (e.g. "pot.levels=255" for narrow-range int8 weights).
inline constexpr const char* kLevelsDocKey = "pot.levels=";

/// Replaces QuantizeLinear -> DequantizeLinear pairs (optionally preceded by a Clip to the code
/// range), and DequantizeLinear on constant int8/uint8 weights, by FakeQuantize nodes. A
/// DequantizeLinear on a constant int32 tensor is folded into a float constant. `doc_levels` maps
/// a DequantizeLinear node name to the levels recorded in its doc string.
void import_qdq(Graph& graph, const std::map<std::string, int64_t>& doc_levels);

/// Replaces every FakeQuantize by its QDQ form (see save_onnx()). Returns, per DequantizeLinear
/// node name, the levels to record in its doc string (only where they differ from the full code
/// range). Throws naming the node when a FakeQuantize has no QDQ form.
std::map<std::string, int64_t> export_qdq(Graph& graph);

/// Rewrites the ops whose signature changed between graph.opset and `target`, then sets
/// graph.opset = target. Throws naming the node when an op has no equivalent form.
void upgrade_opset(Graph& graph, int64_t target);

}  // namespace pot::core::model_io
