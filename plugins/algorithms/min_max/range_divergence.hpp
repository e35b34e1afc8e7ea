#pragma once

#include <cstdint>

#include "histogram.hpp"

namespace pot::min_max {

/// How the clipped distribution P is compared with its quantized form Q.
enum class Divergence {
    Kl,             ///< KL(P || Q): TensorRT's entropy calibration
    SymmetricKl,    ///< (KL(P || Q) + KL(Q || P)) / 2
    JensenShannon,  ///< (KL(P || M) + KL(Q || M)) / 2 with M = (P + Q) / 2
};

/// Entropy calibration on |x|: for every candidate count of kept bins i (from `quant_bins` to all),
/// P is the first i bins with the mass beyond them added to bin i - 1, and Q is P merged into
/// `quant_bins` groups, each group's mass spread evenly over its non-empty bins. Returns the upper
/// edge of the i whose divergence is smallest (the first one on ties); the full range when the
/// histogram has no more than `quant_bins` bins or is empty.
/// `quant_bins` is the number of quantization steps on [0, T]: 2^(bits-1) for signed values,
/// 2^bits for non-negative ones.
double divergence_threshold(const AbsHistogram& hist, int64_t quant_bins, Divergence divergence);

/// The divergence between P and Q as defined above for one candidate (exposed for tests).
double clipped_divergence(const AbsHistogram& hist, size_t kept_bins, int64_t quant_bins,
                          Divergence divergence);

}  // namespace pot::min_max
