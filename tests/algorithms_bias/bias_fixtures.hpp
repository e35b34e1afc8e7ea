#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/data.hpp"
#include "pot/graph.hpp"
#include "test_host.hpp"

namespace pot::test {

/// Runs `algorithms` (name, params JSON) as one pipeline on `graph`, the way pot-host does, and
/// returns the report sections they added.
nlohmann::json run_pipeline(PluginHost& host,
                            const std::vector<std::pair<std::string, std::string>>& algorithms,
                            Graph& graph, const DataLoader& data);

/// The first output of `graph` for every sample of `data`.
std::vector<Tensor> run_model(PluginHost& host, const Graph& graph, const DataLoader& data);

/// Per-channel mean (along `axis`) of `outputs` over all samples and positions.
std::vector<double> output_channel_means(const std::vector<Tensor>& outputs, int64_t axis = 1);

/// Mean over channels of |mean_a[c] - mean_b[c]|.
double mean_abs_difference(const std::vector<double>& a, const std::vector<double>& b);

/// Largest |a - b| over all elements of all samples, relative to the largest |a|.
double max_relative_difference(const std::vector<Tensor>& a, const std::vector<Tensor>& b);

/// Conv [out, in, k, k] weights whose symmetric 8-bit per-channel quantization errs the same way
/// everywhere: each filter holds one element of magnitude 1 (which fixes the scale at 1/127) and
/// otherwise values (q + 0.4) / 127, which all round down to q / 127. On positive inputs the
/// quantized op's output is biased low.
Tensor round_down_weights(Shape shape, unsigned seed);

/// Conv weights exactly on the symmetric 8-bit per-channel grid (q / 127, one element 1 per
/// filter): quantizing them changes nothing.
Tensor on_grid_weights(Shape shape, unsigned seed);

/// input [N, 8, 10, 10] -> Conv 8->4 (3x3, padding 1, round-down weights, bias `bias`) -> output.
Graph biased_conv_model(float bias = 0.5f, unsigned seed = 11);

/// input [N, 8, 8, 8] -> two Convs (8 -> 8 -> 4, 3x3, no padding, round-down weights) with a Relu
/// in between.
Graph biased_two_conv_model(unsigned seed = 21);

/// input [N, 32, 16] -> MatMul [16, 6] (round-down weights) -> Add bias 0.5 -> output [N, 32, 6].
Graph biased_matmul_model(unsigned seed = 31);

/// Samples [1, C, H, W] with values in [0, 1) inside and 0 on a `border` pixels wide frame, like
/// centred images.
VectorData framed_samples(size_t count, const Shape& shape, int64_t border, unsigned seed);

/// Samples of shape `shape` with values in [0, 1).
VectorData positive_samples(size_t count, const Shape& shape, unsigned seed);

}  // namespace pot::test
