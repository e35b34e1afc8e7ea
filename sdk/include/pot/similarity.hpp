#pragma once

#include <vector>

#include "pot/visibility.hpp"

namespace pot {

/// What an exact match scores in SQNR: large and finite, so JSON stays valid.
/// @since ABI 2.0
inline constexpr double kExactSqnrDb = 200.0;

/// Sums that compare values `actual` with a `reference` (a quantized model's output with the float
/// model's), gathered in one pass; add them up over samples for totals.
/// @since ABI 2.0
struct POT_SDK_VISIBLE Similarity {
    double dot = 0, actual_energy = 0, reference_energy = 0, noise_energy = 0;

    /// The sums of two equally long vectors; throws pot::Error when their sizes differ.
    static Similarity of(const std::vector<float>& actual, const std::vector<float>& reference);

    /// Cosine similarity: 1 when both are zero, 0 when only one is.
    double cosine() const;
    /// 10 log10(reference energy / noise energy) in dB; kExactSqnrDb without noise.
    double sqnr_db() const;

    Similarity& operator+=(const Similarity& other);
};

}  // namespace pot
