#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/data.hpp"
#include "pot/engine.hpp"
#include "pot/graph.hpp"

namespace pot::core {

/// FP32-vs-INT8 error of one quantized op's output.
struct LayerError {
    std::string node;
    std::string op_type;
    std::string value;     ///< the op's output, compared between the two models
    double cosine = 1.0;   ///< mean over samples of the cosine similarity
    double sqnr_db = 0.0;  ///< 10 log10(signal energy / error energy) over all samples
    nlohmann::json quantizers = nlohmann::json::array();  ///< parameters of the op's FakeQuantize inputs
    /// FP32 mean square of the output over that of the op's first quantized activation input, in
    /// dB (nullopt when the op has no such input, e.g. only its weights are quantized).
    std::optional<double> output_to_input_db;
    /// The op cancels its input (output_to_input_db below kCancellingOpDb): the mean of a
    /// normalized tensor, a difference of near-equal values. Its SQNR sets rounding noise of the
    /// input's size against an output of almost nothing, so it says little about the op.
    bool cancels_input = false;
};

/// Below this output-to-input level (a thousandth of the input's RMS) an op counts as cancelling.
inline constexpr double kCancellingOpDb = -60.0;

/// Runs `samples` samples (the first ones) through both models and measures, for every op that
/// reads a FakeQuantize (Conv, Gemm, MatMul, ...), how far its INT8 output is from the FP32 one.
/// The FP32 activations of a chunk of samples (at most 256 MiB) are held at a time, so each model
/// goes to the engine once per chunk. Returned in network order.
std::vector<LayerError> measure_layer_errors(Engine& engine, const Graph& fp32, const Graph& int8,
                                             const DataLoader& data, size_t samples);

/// The errors as report.json rows, worst (lowest SQNR) first; ops that cancel their input last.
nlohmann::json layer_errors_json(std::vector<LayerError> errors);

/// A table of the `rows` worst layers for the terminal (the order of layer_errors_json()); ops
/// that cancel their input are marked and explained below the table.
std::string layer_errors_table(const std::vector<LayerError>& errors, size_t rows);

/// Draws SQNR per layer in network order as a bar chart (PNG, via OpenCV).
void plot_layer_errors(const std::vector<LayerError>& errors, const std::filesystem::path& file);

}  // namespace pot::core
