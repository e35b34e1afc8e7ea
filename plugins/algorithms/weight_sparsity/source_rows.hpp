#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "pot/graph.hpp"
#include "tuning_layout.hpp"
#include "window.hpp"  // sdk/reference_ops

namespace pot::weight_sparsity {

/// The rows a layer's output channels read from one observed data input (batch first): for a
/// Conv one row per batch item and output position, im2col'ed (the group's input channels times
/// the kernel taps, zero where a tap falls in the padding); for a Gemm or MatMul one row per
/// vector along the last axis.
class SourceRows {
public:
    /// Throws naming the node when `src_shape` does not fit the layout (channels, last axis).
    SourceRows(const Node& node, const TuningLayout& layout, const Shape& src_shape);

    int64_t positions() const { return positions_; }
    /// Writes the layout.columns values of row `position` of group `group` (times the layout's
    /// src_scale) to `row`, then a 1 for the bias: columns + 1 floats. `src` holds the tensor
    /// this object was made for.
    void read(const float* src, int64_t position, int64_t group, float* row) const;

private:
    TuningLayout layout_;
    int64_t positions_ = 0;
    int64_t src_channels_ = 0;                ///< Conv: input channels of all groups
    std::vector<reference::WindowAxis> axes_;  ///< Conv: depth, height, width
};

/// Where a row goes: into the Gram matrix the fit solves with, or among the rows that check the
/// fit on data it never saw.
enum class RowUse { Fit, Check };

/// The rows of each group of a layer: those to fit as their Gram matrix X^T X, accumulated in
/// blocks so each block costs one matrix product; those to check as they are (fewer than the
/// columns, so cheaper to keep and to multiply than their Gram matrix). Owns (columns + 1)^2
/// floats per group, one block, and the check rows.
class GramAccumulator {
public:
    explicit GramAccumulator(const TuningLayout& layout);

    /// Storage for the next row of `group` (columns + 1 floats), to fill before the next call.
    float* next_row(int64_t group, RowUse use);
    /// The Gram matrix of the fit rows of `group`, (columns + 1)^2, CV_32F; valid until the next
    /// call of next_row().
    const cv::Mat& gram(int64_t group);
    /// The check rows of `group`, rows(Check) x (columns + 1), CV_32F; valid until the next call
    /// of next_row().
    cv::Mat check_rows(int64_t group);
    /// Rows added to each group for `use`.
    int64_t rows(RowUse use) const { return rows_[static_cast<size_t>(use)]; }

private:
    struct Group {
        cv::Mat gram, block;
        int filled = 0;
        std::vector<float> check;
    };
    void flush(Group& group);

    int side_ = 0;
    std::vector<Group> groups_;
    int64_t rows_[2] = {0, 0};
};

}  // namespace pot::weight_sparsity
