#pragma once

#include <cstdint>
#include <vector>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::reference {

/// Geometry of a sliding window along one spatial axis (Conv and pooling).
struct WindowAxis {
    int64_t in = 1;      ///< input length
    int64_t kernel = 1;  ///< taps
    int64_t stride = 1;
    int64_t dilation = 1;
    int64_t pad_begin = 0;  ///< positions of implicit padding before the input
    int64_t pad_end = 0;
    int64_t out = 1;  ///< output length

    /// Input position of tap `k` of output position `o` (may fall in the padding).
    int64_t input_pos(int64_t o, int64_t k) const { return o * stride - pad_begin + k * dilation; }
    /// Span of a dilated kernel: (kernel - 1) * dilation + 1.
    int64_t extent() const { return (kernel - 1) * dilation + 1; }
    /// Output positions [first, last) whose tap `k` falls inside the input (not in padding).
    void valid_outputs(int64_t k, int64_t& first, int64_t& last) const;
};

/// The strides, dilations and pads of a window op (Conv, ConvTranspose, pooling) with `rank`
/// spatial axes: ONNX's defaults filled in, each list's length checked.
struct WindowAttributes {
    std::vector<int64_t> strides, dilations, pads;
};
WindowAttributes window_attributes(const Node& node, size_t rank);

/// Throws unless a window axis' kernel, stride and dilation are all at least 1.
void check_window_axis(int64_t kernel, int64_t stride, int64_t dilation);

/// Per-axis geometry of a Conv/MaxPool/AveragePool node for spatial input sizes `in` and
/// kernel sizes `kernel`, from the attributes auto_pad, pads, strides, dilations and
/// (for pooling) ceil_mode, as ONNX Runtime computes them: with ceil_mode a last window that
/// would start in the end padding is dropped.
std::vector<WindowAxis> window_axes(const Node& node, const Shape& in, const Shape& kernel,
                                    bool ceil_mode);

/// Throws unless auto_pad is NOTSET, SAME_UPPER, SAME_LOWER or VALID.
void check_auto_pad(const Node& node);

/// Always three axes (depth, height, width): 1-D and 2-D windows get leading unit axes, so a kernel
/// can loop over three dimensions whatever the input rank.
std::vector<WindowAxis> as_3d(std::vector<WindowAxis> axes);

}  // namespace pot::reference
