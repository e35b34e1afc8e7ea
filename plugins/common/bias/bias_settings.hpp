#pragma once

#include <cstddef>
#include <cstdint>

#include "pot/params.hpp"
#include "pot/sampling_settings.hpp"

namespace pot::bias_correction {

/// POT's default: a bias may change by up to twice its own magnitude.
inline constexpr double kDefaultBiasShiftThreshold = 2.0;

/// Parameters shared by FastBiasCorrection and BiasCorrection (POT's names).
struct BiasSettings {
    /// A new bias is applied only when max_c |new - old| / |old| stays below this.
    double threshold = kDefaultBiasShiftThreshold;
    bool apply_for_all_nodes = false;  ///< apply every new bias, whatever its change
    SamplingSettings sampling;  ///< also the samples of BiasCorrection's per-op passes
};

/// Reads the parameters and rejects unknown keys; errors name the JSON path.
BiasSettings parse_bias_settings(const Params& params);

}  // namespace pot::bias_correction
