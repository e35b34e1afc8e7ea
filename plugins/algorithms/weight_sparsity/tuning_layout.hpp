#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"
#include "sparsity.hpp"

namespace pot::weight_sparsity {

/// How the output channels of a sparsity target read its data input, for the layer-wise fit:
/// in each of `groups` groups, every output channel weighs the same `columns` source values (a
/// Conv's input channels of the group times its kernel taps, im2col order; a Gemm's or MatMul's
/// last input axis).
struct TuningLayout {
    bool conv = false;
    int64_t groups = 1;
    int64_t columns = 0;   ///< K: source values per output channel
    int64_t channels = 0;  ///< output channels of all groups
    /// The weight of channel c and column j is at c * columns + j (Conv, Gemm with transB), else
    /// at j * channels + c (Gemm, MatMul: weights [K, N]).
    bool channel_major = true;
    float src_scale = 1.0f;  ///< Gemm's alpha, which multiplies the source and not the bias
    Shape kernel;            ///< Conv: the kernel's spatial sizes (weights' dims from 2 on)

    int64_t channels_per_group() const { return channels / groups; }
    /// Bytes of one f32 Gram matrix per group, (columns + 1)^2 each, computed without overflow
    /// (saturating at UINT64_MAX).
    uint64_t gram_bytes() const;
};

/// The layout of `target` in `graph`, or nullopt when the fit does not support it: Gemm with
/// transA, MatMul with weights of rank other than 2, Conv whose group count does not divide its
/// output channels.
std::optional<TuningLayout> tuning_layout(const Graph& graph, const SparsityTarget& target);

/// The weights of group `group` of `w` as a (columns + 1) x channels_per_group() CV_32F matrix:
/// column c holds the group's channel c's weights, then bias[channel] (one per channel of all
/// groups).
cv::Mat group_weights(const Tensor& w, const TuningLayout& layout, int64_t group,
                      const std::vector<float>& bias);

/// Writes a matrix shaped as group_weights() returns back into `w` and `bias`.
void store_group_weights(const cv::Mat& m, const TuningLayout& layout, int64_t group, Tensor& w,
                         std::vector<float>& bias);

}  // namespace pot::weight_sparsity
