#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/tensor.hpp"

namespace pot::test {

/// examples/fmnist: the bundled models, data and configs.
std::filesystem::path fmnist_example_dir();

/// Bundled evaluation images as one [N, 1, 28, 28] batch, preprocessed as the example configs do
/// (pixel / 255), with their labels.
struct EvaluationSet {
    Tensor images;
    std::vector<int64_t> labels;
};

/// The first `limit` bundled evaluation images (all 2000 when `limit` < 0).
EvaluationSet fmnist_evaluation_set(int64_t limit = -1);

/// An example config (comments allowed) with its relative paths (model, data, annotation,
/// evaluation data) made absolute, so it runs from any folder.
nlohmann::json fmnist_example_config(const std::string& file_name);

}  // namespace pot::test
