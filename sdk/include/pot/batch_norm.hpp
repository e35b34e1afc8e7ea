#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace pot {

/// An inference-mode BatchNormalization as a per-channel affine map, y = x * scale[c] + shift[c].
/// Named ChannelAffine up to ABI 2.6, which gave algorithm.hpp's pot::ChannelAffine a second,
/// different definition: a translation unit could not include both, and a library whose units
/// used one and the other broke the one-definition rule. Source change only: header-only.
/// @since ABI 2.0
struct BatchNormAffine {
    std::vector<double> scale, shift;
};

/// The affine map of BatchNormalization with per-channel `gamma`, `beta`, `mean` and `variance`
/// (equally long; the caller checks) and `epsilon`, computed in double.
/// @since ABI 2.0
inline BatchNormAffine batch_norm_affine(const std::vector<float>& gamma, const std::vector<float>& beta,
                                       const std::vector<float>& mean, const std::vector<float>& variance,
                                       double epsilon) {
    BatchNormAffine affine;
    for (size_t c = 0; c < gamma.size(); ++c) {
        const double scale = gamma[c] / std::sqrt(static_cast<double>(variance[c]) + epsilon);
        affine.scale.push_back(scale);
        affine.shift.push_back(beta[c] - mean[c] * scale);
    }
    return affine;
}

}  // namespace pot
