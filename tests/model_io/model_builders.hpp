#pragma once

// Small graphs and plain-loop reference math for the model_io and transform tests.

#include <cstdint>
#include <string>
#include <vector>

#include "pot/fake_quantize.hpp"
#include "pot/graph.hpp"

namespace pot::test {

struct ConvReluSpec {
    int64_t in_channels = 2;
    int64_t out_channels = 3;
    int64_t size = 5;  ///< input height and width
    int64_t kernel = 3;
    bool with_bias = true;
    uint32_t seed = 1;
};

/// x[1,C,H,W] -> Conv 'conv' (weight 'conv.weight', bias 'conv.bias', pads = kernel / 2)
/// -> 'conv_out' -> Relu 'relu' -> y. Weights and bias are random from spec.seed.
Graph conv_relu_graph(const ConvReluSpec& spec);

/// Tensor of uniform values in [lo, hi) from a fixed seed.
Tensor uniform_tensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

/// NCHW convolution, stride 1, no groups, symmetric zero padding `pad`; bias may be empty.
Tensor conv2d_reference(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t pad);

/// max(x, 0) element-wise.
Tensor relu_reference(const Tensor& x);

/// Affine FakeQuantize parameters with the given scales and zero points (codes of `dtype`,
/// `levels` of them), per channel along `axis` when there is more than one scale.
FakeQuantizeParams fake_quantize_params(DType dtype, std::vector<float> scale,
                                        std::vector<int32_t> zero_point, int64_t axis = -1,
                                        int64_t levels = 256);

/// Applies FakeQuantize and returns the result.
Tensor apply_fake_quantize(const Tensor& src, const FakeQuantizeParams& params);

/// The node with `name`; fails the test (throws) when absent.
const Node& node_named(const Graph& graph, const std::string& name);

/// Op types of all nodes, in order.
std::vector<std::string> op_types(const Graph& graph);

/// Largest |a - b| over all elements; both f32 of the same shape.
float max_abs_diff(const Tensor& a, const Tensor& b);

/// GoogleTest checks that two graphs hold the same nodes (names, ops, domains, inputs, outputs,
/// attributes), constants (names, types, shapes, values within `float_tolerance` relative),
/// inputs, outputs and opset.
void expect_same_graph(const Graph& expected, const Graph& actual, float float_tolerance = 1e-6f);

}  // namespace pot::test
