#pragma once

#include <vector>

#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::default_quantization {

/// The algorithms DefaultQuantization stands for, in order, each with the keys of `params` it
/// understands: SmoothQuant when `smooth_quant` is true or an object of its parameters,
/// ActivationChannelAlignment, MinMaxQuantization, then FastBiasCorrection (or BiasCorrection
/// when use_fast_bias is false). Keys no part knows, and use_layerwise_tuning = true
/// (not supported), are Config errors naming the JSON path. Values are checked by the parts.
std::vector<AlgorithmSpec> split_into_parts(const Params& params);

}  // namespace pot::default_quantization
