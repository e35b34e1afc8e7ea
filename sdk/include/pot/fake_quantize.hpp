#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// Parameters of a FakeQuantize op, OpenVINO semantics. Each bound vector has one value
/// (per tensor) or one per channel along `axis`.
///   x <= min(il, ih)      -> ol
///   x >  max(il, ih)      -> oh
///   otherwise             -> round((x - il) / (ih - il) * (levels - 1)) / (levels - 1) * (oh - ol) + ol
/// When il == ol and ih == oh (every FakeQuantize this project creates) the op is evaluated in its
/// integer form, q = clamp(round_half_even(x / scale) + zp), y = (q - zp) * scale, with
/// scale = (ih - il) / (levels - 1) and zp = -il / scale. That is exactly what ONNX
/// QuantizeLinear followed by DequantizeLinear computes, so export and import are lossless.
/// @since ABI 2.0
struct POT_SDK_VISIBLE FakeQuantizeParams {
    int64_t levels = 256;
    int64_t axis = -1;  ///< channel axis of per-channel bounds; -1 for per-tensor
    std::vector<float> input_low, input_high, output_low, output_high;

    size_t channels() const { return input_low.size(); }
    bool per_channel() const { return input_low.size() > 1; }
    /// True when output bounds equal input bounds (the integer form applies).
    bool is_affine() const { return input_low == output_low && input_high == output_high; }
    /// Throws describing the problem when sizes disagree, levels < 2 or a range is empty.
    void validate() const;
};

/// The integer encoding of an affine FakeQuantize: what ONNX QuantizeLinear/DequantizeLinear store.
/// @since ABI 2.0
struct POT_SDK_VISIBLE QuantEncoding {
    DType dtype = DType::U8;  ///< I8 or U8
    int64_t axis = -1;
    int64_t levels = 256;
    std::vector<float> scale;
    std::vector<int32_t> zero_point;
    int32_t q_min = 0;  ///< smallest code used, e.g. -127 for narrow-range int8
    int32_t q_max = 255;
};

/// How to turn a measured range into quantization parameters.
/// @since ABI 2.0
struct POT_SDK_VISIBLE QuantSpec {
    int bits = 8;
    bool symmetric = true;
    /// Symmetric only: signed uses codes around 0 ([-128, 127]); unsigned uses [0, 255] and is
    /// chosen for non-negative values such as ReLU outputs.
    bool is_signed = true;
    /// Signed symmetric only: drop the most negative code (levels = 2^bits - 1), as for weights.
    bool narrow_range = false;
};

/// Scale of an affine FakeQuantize channel. Every place that needs it calls this one function so
/// kernels and exporters agree bit for bit.
/// @since ABI 2.0
inline float fake_quantize_scale(float low, float high, int64_t levels) {
    return (high - low) / static_cast<float>(levels - 1);
}

/// Applies FakeQuantize to one value (general OpenVINO form, see FakeQuantizeParams).
/// @since ABI 2.0
inline float fake_quantize_value(float x, float il, float ih, float ol, float oh, int64_t levels) {
    const float lo = std::min(il, ih), hi = std::max(il, ih);
    if (x <= lo) return ol;
    if (x > hi) return oh;
    const float steps = static_cast<float>(levels - 1);
    return std::nearbyint((x - il) / (ih - il) * steps) / steps * (oh - ol) + ol;
}

/// Applies FakeQuantize to one value in integer form: `zero_point` is the (integral) code of 0.
/// @since ABI 2.0
inline float fake_quantize_affine(float x, float scale, float zero_point, float q_min, float q_max) {
    const float q = std::clamp(std::nearbyint(x / scale) + zero_point, q_min, q_max);
    return (q - zero_point) * scale;
}

/// dst = FakeQuantize(src). Per-channel bounds apply along params.axis. dst is resized as needed.
/// @since ABI 2.0
POT_SDK_VISIBLE void fake_quantize(const Tensor& src, const FakeQuantizeParams& params, Tensor& dst);

/// Parameters for the range [low, high] per channel (vectors of equal length) under `spec`.
/// The range is widened to contain 0 and aligned so that 0 is exactly representable.
/// @since ABI 2.0
POT_SDK_VISIBLE FakeQuantizeParams fake_quantize_from_range(const std::vector<float>& low,
                                                            const std::vector<float>& high,
                                                            const QuantSpec& spec, int64_t axis);

/// The integer encoding of an affine FakeQuantize. `preferred` (I8 or U8) is used when its
/// zero point fits; otherwise the other type. Throws if params are not affine or 0 is not
/// representable.
/// @since ABI 2.0
POT_SDK_VISIBLE QuantEncoding encoding_from_fake_quantize(const FakeQuantizeParams& params,
                                                          DType preferred);

/// The FakeQuantize that QuantizeLinear + DequantizeLinear with `encoding` computes.
/// @since ABI 2.0
POT_SDK_VISIBLE FakeQuantizeParams fake_quantize_from_encoding(const QuantEncoding& encoding);

/// Quantizes `src` to codes of encoding.dtype (I8 or U8) along encoding.axis.
/// @since ABI 2.0
POT_SDK_VISIBLE Tensor quantize_tensor(const Tensor& src, const QuantEncoding& encoding);

}  // namespace pot
