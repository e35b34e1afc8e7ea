#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "range_estimation.hpp"

namespace pot::min_max {

/// The finest output scale a Softmax over `d` values may get so that ONNX Runtime's fused
/// QLinearSoftmax (what its CPU provider turns DequantizeLinear -> Softmax -> QuantizeLinear into)
/// still computes it. That kernel multiplies float exponentials, scaled up to FLT_MAX / (d e^5),
/// by floor(1 / y_scale) before dividing by their sum, so a scale below 1 / (d e^5) overflows to
/// infinity and the row's largest entries come out as garbage codes. Twice that limit is kept as
/// margin: 2 / (d e^5) (d = 49: 2.8e-4; ONNX Runtime's own quantizer always uses 1/256).
double softmax_min_output_scale(int64_t d);

/// A measured value that is a Softmax output (directly or through Dropout / Identity).
struct SoftmaxOutput {
    std::string value;
    std::string softmax_input;  ///< its input, whose shape gives the length
    int64_t axis = -1;          ///< the node's axis attribute (its default filled in)
    int64_t length = 0;         ///< values each softmax normalizes over; 0 while unknown
};

/// The values of `ranges` that are Softmax outputs, with the lengths the graph's shapes give.
std::vector<SoftmaxOutput> find_softmax_outputs(const Graph& graph,
                                                const std::map<std::string, ValueRange>& ranges);

/// The number of values a Softmax with `axis` over an input of `shape` normalizes together at
/// `opset` (before opset 13 every dimension from `axis` on); 0 when a dimension is not known.
int64_t softmax_length(const Shape& shape, int64_t axis, int64_t opset);

/// A range widened because its value is a Softmax output.
struct SoftmaxRangeFloor {
    std::string value;
    int64_t length = 0;
    float high_before = 0.0f;
    float high_after = 0.0f;
};

/// Raises the high end of each `outputs` range until its `bits`-bit grid is no finer than
/// softmax_min_output_scale() of its length (a length still unknown counts as 1, the most
/// conservative). Ranges already coarse enough are left alone. Returns the widened ones.
std::vector<SoftmaxRangeFloor> floor_softmax_output_ranges(const std::vector<SoftmaxOutput>& outputs,
                                                           std::map<std::string, ValueRange>& ranges,
                                                           int bits);

}  // namespace pot::min_max
