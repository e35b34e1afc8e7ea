#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::core {

/// What `pot-host benchmark` feeds a model, as benchmark_app users expect: shapes given per input
/// (`-shape`), data files per input (`--data`), else random data of the declared shape.
struct BenchmarkInputSpec {
    /// Shapes by input name; the key "" stands for the only input of a one-input model.
    std::map<std::string, Shape> shapes;
    /// .npy files by input name ("" as above); their shapes and types are used as they are.
    std::map<std::string, std::filesystem::path> data;
    /// Replaces the first dimension of inputs that get neither a shape nor data.
    int64_t batch = 1;
};

/// Parses benchmark_app's `-shape` text: `name[1,3,224,224]`, several joined by commas
/// (`ids[1,64],mask[1,64]`), or a bare `[1,3,224,224]` / `1,3,224,224` for a one-input model.
/// Throws pot::Error(Usage) naming the text on anything else.
std::map<std::string, Shape> parse_shape_option(const std::string& text);

/// The tensors to run `graph` on. Every input must end up with a fully known shape: a dynamic
/// dimension (other than the batch dimension, which `batch` fills) without a shape or data for
/// its input is an error naming the input. Shapes must match the model's static dimensions, names
/// must exist, data types must match. Random data: f32 uniform in [-1, 1) (seed 42), integer
/// inputs 1, bool inputs true. Sizes are checked before anything is allocated.
std::vector<Tensor> make_benchmark_inputs(const Graph& graph, const BenchmarkInputSpec& spec);

}  // namespace pot::core
