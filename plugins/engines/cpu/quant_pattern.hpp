#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pot/fake_quantize.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::cpu {

/// Per-tensor affine quantization of an activation: real = (code - zero_point) * scale, with
/// codes of `dtype` (U8 or I8) clamped to [q_min, q_max].
struct ActQuant {
    DType dtype = DType::U8;
    float scale = 1.0f;
    int32_t zero_point = 0;
    int32_t q_min = 0;
    int32_t q_max = 255;

    bool operator==(const ActQuant&) const = default;
    /// True when [q_min, q_max] is the whole range of `dtype`, so saturation alone clamps.
    bool full_range() const;
};

/// Symmetric per-output-channel int8 weights: real = code * scale[channel].
struct WeightQuant {
    Tensor codes;  ///< I8, same shape as the float weights
    std::vector<float> scale;
};

/// The integer form of an activation FakeQuantize when it is per-tensor, affine and fits 8 bits;
/// nullopt otherwise (the node then runs in float). With `allow_u8`, codes are u8 unless s8 makes
/// the zero point 0; without, always s8 (for CPUs whose u8 x s8 products saturate, see plan.hpp).
std::optional<ActQuant> activation_quant(const Graph& graph, const Node& node, int64_t src_rank,
                                         bool allow_u8 = true);

/// Int8 codes of constant weights `weights` that pass through FakeQuantize `node` when that is
/// symmetric (zero point 0) and per-tensor or per-channel along `channel_axis`; nullopt otherwise.
std::optional<WeightQuant> weight_quant(const Graph& graph, const Node& node, const Tensor& weights,
                                        int64_t channel_axis);

}  // namespace pot::cpu
