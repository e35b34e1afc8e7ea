#include "pot/fake_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "channel_walk.hpp"
#include "vector_clones.hpp"

namespace pot {

namespace {
// A range narrower than this is widened so the scale stays a normal, invertible float.
constexpr float kMinRange = 1e-8f;

// The integer-form FakeQuantize and quantization loops over one run of a channel. x86-64's
// baseline has no rounding instruction, so there std::nearbyint is a library call per element;
// the AVX2 and AVX-512 clones round in vector registers. Every path gives the same bits (IEEE
// division, round half to even).

POT_VECTOR_CLONES void fake_quantize_run(const float* x, float* y, int64_t n, float scale, float zero,
                                         float q_max) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = fake_quantize_affine(x[i], scale, zero, 0.0f, q_max);
}

POT_VECTOR_CLONES void quantize_run(const float* x, float* codes, int64_t n, float scale, float zero,
                                    float type_min, float type_max) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) codes[i] = std::clamp(std::nearbyint(x[i] / scale) + zero, type_min, type_max);
}

bool near_integer(float v) { return std::fabs(v - std::nearbyint(v)) <= 1e-3f; }
}  // namespace

void FakeQuantizeParams::validate() const {
    POT_CHECK(levels >= 2, "FakeQuantize levels must be >= 2, got ", levels);
    const size_t n = input_low.size();
    POT_CHECK(n > 0 && input_high.size() == n && output_low.size() == n && output_high.size() == n,
              "FakeQuantize bounds must have equal, non-zero sizes (got ", input_low.size(), ", ",
              input_high.size(), ", ", output_low.size(), ", ", output_high.size(), ")");
    POT_CHECK(n == 1 || axis >= 0, "per-channel FakeQuantize bounds need a channel axis");
    for (size_t c = 0; c < n; ++c)
        POT_CHECK(input_high[c] > input_low[c], "FakeQuantize channel ", c, " has an empty range [",
                  input_low[c], ", ", input_high[c], "]");
}

void fake_quantize(const Tensor& src, const FakeQuantizeParams& params, Tensor& dst) {
    params.validate();
    if (params.per_channel()) {
        POT_CHECK(params.axis < src.rank() &&
                      src.dim(params.axis) == static_cast<int64_t>(params.channels()),
                  "FakeQuantize has ", params.channels(), " channels on axis ", params.axis,
                  " but the tensor has shape ", shape_str(src.shape()));
    }
    if (dst.shape() != src.shape() || dst.dtype() != DType::F32) dst = Tensor(DType::F32, src.shape());
    const float* x = src.data<float>();
    float* y = dst.data<float>();
    const ChannelWalk walk(src.shape(), params.per_channel() ? params.axis : -1);
    const int64_t n = src.numel();
    if (params.is_affine()) {
        const size_t channels = params.channels();
        std::vector<float> scale(channels), zero(channels);
        bool integral = true;
        for (size_t c = 0; c < channels; ++c) {
            scale[c] = fake_quantize_scale(params.input_low[c], params.input_high[c], params.levels);
            zero[c] = std::nearbyint(-params.input_low[c] / scale[c]);
            integral = integral && near_integer(-params.input_low[c] / scale[c]);
        }
        if (integral) {
            // Codes are shifted so that 0 is the lowest level: [0, levels - 1].
            const float q_max = static_cast<float>(params.levels - 1);
            walk.for_each_run(n, [&](size_t c, int64_t first, int64_t count) {
                fake_quantize_run(x + first, y + first, count, scale[c], zero[c], q_max);
            });
            return;
        }
    }
    for (int64_t i = 0; i < n; ++i) {
        const size_t c = walk.channel(i);
        y[i] = fake_quantize_value(x[i], params.input_low[c], params.input_high[c],
                                   params.output_low[c], params.output_high[c], params.levels);
    }
}

FakeQuantizeParams fake_quantize_from_range(const std::vector<float>& low,
                                            const std::vector<float>& high, const QuantSpec& spec,
                                            int64_t axis) {
    POT_CHECK(spec.bits >= 2 && spec.bits <= 8, "quantization bits must be in [2, 8], got ",
              spec.bits);
    POT_CHECK(!low.empty() && low.size() == high.size(), "range bounds must have equal, non-zero sizes");
    const int64_t levels_full = int64_t{1} << spec.bits;
    FakeQuantizeParams fq;
    fq.axis = low.size() > 1 ? axis : -1;
    fq.levels = spec.symmetric && spec.is_signed && spec.narrow_range ? levels_full - 1 : levels_full;
    for (size_t c = 0; c < low.size(); ++c) {
        POT_CHECK(std::isfinite(low[c]) && std::isfinite(high[c]), "range of channel ", c,
                  " is not finite: [", low[c], ", ", high[c], "]");
        float lo = std::min(low[c], 0.0f), hi = std::max(high[c], 0.0f);
        float il, ih;
        if (spec.symmetric) {
            const float abs_max = std::max({std::fabs(lo), std::fabs(hi), kMinRange});
            if (spec.is_signed) {
                const float half = static_cast<float>(levels_full / 2 - 1);  // 127 for 8 bits
                const float scale = abs_max / half;
                il = spec.narrow_range ? -half * scale : -(half + 1) * scale;
                ih = half * scale;
            } else {
                il = 0.0f;
                ih = abs_max;
            }
        } else {
            if (hi - lo < kMinRange) hi = lo + kMinRange;
            const float steps = static_cast<float>(levels_full - 1);
            const float scale = (hi - lo) / steps;
            const float zero = std::clamp(std::nearbyint(-lo / scale), 0.0f, steps);
            il = -zero * scale;
            ih = (steps - zero) * scale;
        }
        fq.input_low.push_back(il);
        fq.input_high.push_back(ih);
    }
    fq.output_low = fq.input_low;
    fq.output_high = fq.input_high;
    return fq;
}

QuantEncoding encoding_from_fake_quantize(const FakeQuantizeParams& params, DType preferred) {
    params.validate();
    POT_CHECK(params.is_affine(), "only FakeQuantize with equal input and output ranges maps to "
                                  "QuantizeLinear/DequantizeLinear");
    POT_CHECK(params.levels <= 256, "FakeQuantize with ", params.levels,
              " levels does not fit 8-bit codes");
    auto try_encode = [&](DType dtype, QuantEncoding& enc) {
        // The codes occupy [q_min, q_min + levels - 1] inside the type's range.
        const int32_t q_min = dtype == DType::I8 ? -static_cast<int32_t>(params.levels / 2) : 0;
        enc = QuantEncoding{};
        enc.dtype = dtype;
        enc.axis = params.per_channel() ? params.axis : -1;
        enc.levels = params.levels;
        enc.q_min = q_min;
        enc.q_max = q_min + static_cast<int32_t>(params.levels) - 1;
        const int32_t type_min = dtype == DType::I8 ? -128 : 0, type_max = dtype == DType::I8 ? 127 : 255;
        for (size_t c = 0; c < params.channels(); ++c) {
            const float scale =
                fake_quantize_scale(params.input_low[c], params.input_high[c], params.levels);
            const float zero_f = static_cast<float>(q_min) - params.input_low[c] / scale;
            if (!near_integer(zero_f)) return false;
            if (!(zero_f >= static_cast<float>(type_min) - 0.5f &&
                  zero_f <= static_cast<float>(type_max) + 0.5f))
                return false;
            const auto zero = static_cast<int32_t>(std::nearbyint(zero_f));
            if (zero < type_min || zero > type_max) return false;
            enc.scale.push_back(scale);
            enc.zero_point.push_back(zero);
        }
        return true;
    };
    QuantEncoding enc;
    if (try_encode(preferred, enc)) return enc;
    const DType other = preferred == DType::I8 ? DType::U8 : DType::I8;
    if (try_encode(other, enc)) return enc;
    POT_THROW(Runtime, "FakeQuantize range [", params.input_low[0], ", ", params.input_high[0],
              "] with ", params.levels, " levels does not represent 0 exactly; it has no "
              "QuantizeLinear/DequantizeLinear form");
}

FakeQuantizeParams fake_quantize_from_encoding(const QuantEncoding& encoding) {
    POT_CHECK(!encoding.scale.empty() && encoding.scale.size() == encoding.zero_point.size(),
              "quantization encoding needs as many zero points as scales");
    FakeQuantizeParams fq;
    fq.levels = encoding.levels;
    fq.axis = encoding.scale.size() > 1 ? encoding.axis : -1;
    for (size_t c = 0; c < encoding.scale.size(); ++c) {
        const float s = encoding.scale[c];
        POT_CHECK(s > 0 && std::isfinite(s), "quantization scale must be positive, got ", s);
        fq.input_low.push_back(static_cast<float>(encoding.q_min - encoding.zero_point[c]) * s);
        fq.input_high.push_back(static_cast<float>(encoding.q_max - encoding.zero_point[c]) * s);
    }
    fq.output_low = fq.input_low;
    fq.output_high = fq.input_high;
    return fq;
}

Tensor quantize_tensor(const Tensor& src, const QuantEncoding& encoding) {
    POT_CHECK(encoding.dtype == DType::I8 || encoding.dtype == DType::U8,
              "codes must be i8 or u8, got ", dtype_name(encoding.dtype));
    const bool per_channel = encoding.scale.size() > 1;
    if (per_channel)
        POT_CHECK(encoding.axis >= 0 && encoding.axis < src.rank() &&
                      src.dim(encoding.axis) == static_cast<int64_t>(encoding.scale.size()),
                  "per-channel encoding with ", encoding.scale.size(), " scales on axis ",
                  encoding.axis, " does not fit shape ", shape_str(src.shape()));
    Tensor dst(encoding.dtype, src.shape());
    const float* x = src.data<float>();
    const ChannelWalk walk(src.shape(), per_channel ? encoding.axis : -1);
    const float type_min = encoding.dtype == DType::I8 ? -128.0f : 0.0f;
    const float type_max = encoding.dtype == DType::I8 ? 127.0f : 255.0f;
    std::vector<float> codes(static_cast<size_t>(src.numel()));
    walk.for_each_run(src.numel(), [&](size_t c, int64_t first, int64_t count) {
        quantize_run(x + first, codes.data() + first, count, encoding.scale[c],
                     static_cast<float>(encoding.zero_point[c]), type_min, type_max);
    });
    if (encoding.dtype == DType::I8) std::copy(codes.begin(), codes.end(), dst.data<int8_t>());
    else std::copy(codes.begin(), codes.end(), dst.data<uint8_t>());
    return dst;
}

}  // namespace pot
