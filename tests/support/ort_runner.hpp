#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pot/tensor.hpp"

namespace pot::test {

/// Runs `model` in ONNX Runtime (CPU, one intra-op thread, all graph optimizations) through
/// tests/ort/run_model.js and returns its outputs in the model's output order. Inputs are matched
/// to the model's inputs by position. Works in a temporary folder that is removed afterwards.
///
/// Throws pot::Error(Runtime) with what to do when node or onnxruntime-node is missing (run
/// scripts/setup-npm.sh), and with ONNX Runtime's message when the model fails to load or run.
std::vector<Tensor> run_in_onnxruntime(const std::filesystem::path& model,
                                       const std::vector<Tensor>& inputs);

/// Empty when run_in_onnxruntime() can work; otherwise why not (node or the package missing).
std::string onnxruntime_unavailable_reason();

}  // namespace pot::test
