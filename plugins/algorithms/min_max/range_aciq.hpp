#pragma once

#include "histogram.hpp"

namespace pot::min_max {

/// The distribution ACIQ assumes for the values (Banner et al., "Post training 4-bit quantization
/// of convolutional networks for rapid-deployment").
enum class AciqPrior { Laplace, Gauss };

/// The clipping value alpha for a unit prior (Laplace with b = 1, Gauss with sigma = 1) that
/// minimizes the expected squared error of clipping to [-alpha, alpha] plus uniform quantization
/// noise with 2^bits levels over that range: clip(alpha) + alpha^2 / (3 * 4^bits).
/// Laplace: 2 bits -> 2.83, 4 bits -> 5.03, 8 bits -> 9.89.
double aciq_unit_alpha(AciqPrior prior, int bits);

/// Fits the prior to |x| (Laplace: b = mean |x|; Gauss: sigma = sqrt(mean x^2), zero mean) and
/// returns alpha * scale, at most the histogram's range. `bits` counts the levels over [-T, T];
/// for non-negative values quantized onto [0, T], pass bits + 1 (half the range, same step).
double aciq_threshold(const AbsHistogram& hist, AciqPrior prior, int bits);

}  // namespace pot::min_max
