#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "pot/graph.hpp"

namespace pot::python {

/// A model as the Python API hands it around (POT's NXModel): the IR and the name save_model()
/// gives its file by default.
struct Model {
    Graph graph;
    std::string name;
};

/// Reads an ONNX file and cleans it up as pot-host does (load_onnx, then optimize_graph).
Model load_model(const std::filesystem::path& file, const std::string& name);

/// Writes `model` as QDQ ONNX (save_onnx: atomic, checked).
void save_model(const Model& model, const std::filesystem::path& file);

/// What save_model() does with the weights of `model`: the quantized ones (constants read by a
/// FakeQuantize) are written as int8/uint8 codes with a DequantizeLinear, the others in float.
struct WeightStorage {
    int64_t quantized_weights = 0;  ///< constants written as 8-bit codes
    int64_t float_bytes = 0;        ///< their size in float
    int64_t stored_bytes = 0;       ///< their size as codes
};
WeightStorage weight_storage(const Model& model);

}  // namespace pot::python
