#include "quant_pattern.hpp"

#include <cmath>

namespace pot::cpu {

bool ActQuant::full_range() const {
    return dtype == DType::U8 ? (q_min == 0 && q_max == 255) : (q_min == -128 && q_max == 127);
}

std::optional<ActQuant> activation_quant(const Graph& graph, const Node& node, int64_t src_rank,
                                         bool allow_u8) {
    const auto params = try_read_fake_quantize(graph, node, src_rank);
    if (!params || params->per_channel() || !params->is_affine() || params->levels > 256)
        return std::nullopt;
    // Whichever code type makes 0 the zero point: the kernels then skip zero-point work.
    QuantEncoding enc;
    try {
        enc = encoding_from_fake_quantize(*params, DType::I8);
        if (enc.zero_point[0] != 0 && allow_u8) enc = encoding_from_fake_quantize(*params, DType::U8);
    } catch (const Error&) {
        return std::nullopt;
    }
    return ActQuant{enc.dtype, enc.scale[0], enc.zero_point[0], enc.q_min, enc.q_max};
}

std::optional<WeightQuant> weight_quant(const Graph& graph, const Node& node, const Tensor& weights,
                                        int64_t channel_axis) {
    auto params = try_read_fake_quantize(graph, node, weights.rank());
    if (!params || !params->is_affine() || params->levels > 256) return std::nullopt;
    if (params->per_channel() && params->axis != channel_axis) return std::nullopt;
    QuantEncoding enc;
    try {
        enc = encoding_from_fake_quantize(*params, DType::I8);
    } catch (const Error&) {
        return std::nullopt;
    }
    if (enc.dtype != DType::I8) return std::nullopt;
    for (int32_t zp : enc.zero_point)
        if (zp != 0) return std::nullopt;
    WeightQuant out;
    // Clamp to the FakeQuantize range first so codes never leave [q_min, q_max].
    Tensor clamped;
    fake_quantize(weights, *params, clamped);
    out.codes = quantize_tensor(clamped, enc);
    const size_t channels = static_cast<size_t>(weights.dim(channel_axis));
    out.scale = enc.scale.size() == 1 ? std::vector<float>(channels, enc.scale[0]) : enc.scale;
    return out;
}

}  // namespace pot::cpu
