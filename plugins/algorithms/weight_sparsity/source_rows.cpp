#include "source_rows.hpp"

#include <tuple>

#include "pot/error.hpp"

namespace pot::weight_sparsity {

namespace {

// Rows gathered before they are folded into a Gram matrix with one product.
constexpr int kBlockRows = 256;

}  // namespace

SourceRows::SourceRows(const Node& node, const TuningLayout& layout, const Shape& src_shape)
    : layout_(layout) {
    if (!layout.conv) {
        POT_CHECK(!src_shape.empty() && src_shape.back() == layout.columns, node.describe(),
                  ": layer fit expects a data input with last axis ", layout.columns, ", got ",
                  shape_str(src_shape));
        positions_ = shape_numel(src_shape) / layout.columns;
        return;
    }
    POT_CHECK(src_shape.size() == layout.kernel.size() + 2, node.describe(),
              ": layer fit expects a data input of rank ", layout.kernel.size() + 2, ", got ",
              shape_str(src_shape));
    const Shape spatial(src_shape.begin() + 2, src_shape.end());
    src_channels_ = src_shape[1];
    const int64_t expected = layout.groups * (layout.columns / shape_numel(layout.kernel));
    POT_CHECK(src_channels_ == expected, node.describe(), ": layer fit expects ", expected,
              " input channels, got ", shape_str(src_shape));
    axes_ = reference::as_3d(reference::window_axes(node, spatial, layout.kernel, /*ceil_mode=*/false));
    positions_ = src_shape[0] * axes_[0].out * axes_[1].out * axes_[2].out;
}

void SourceRows::read(const float* src, int64_t position, int64_t group, float* row) const {
    const float scale = layout_.src_scale;
    if (!layout_.conv) {
        const float* from = src + position * layout_.columns;
        for (int64_t j = 0; j < layout_.columns; ++j) row[j] = from[j] * scale;
        row[layout_.columns] = 1.0f;
        return;
    }
    const auto& [d, h, w] = std::tie(axes_[0], axes_[1], axes_[2]);
    const int64_t ow = position % w.out, oh = position / w.out % h.out;
    const int64_t od = position / (w.out * h.out) % d.out, batch = position / (w.out * h.out * d.out);
    const int64_t per_group = src_channels_ / layout_.groups;
    const int64_t plane = d.in * h.in * w.in;
    float* out = row;
    for (int64_t ci = 0; ci < per_group; ++ci) {
        const float* channel = src + (batch * src_channels_ + group * per_group + ci) * plane;
        for (int64_t kd = 0; kd < d.kernel; ++kd) {
            const int64_t id = d.input_pos(od, kd);
            for (int64_t kh = 0; kh < h.kernel; ++kh) {
                const int64_t ih = h.input_pos(oh, kh);
                const bool inside = id >= 0 && id < d.in && ih >= 0 && ih < h.in;
                for (int64_t kw = 0; kw < w.kernel; ++kw) {
                    const int64_t iw = w.input_pos(ow, kw);
                    *out++ = inside && iw >= 0 && iw < w.in ? channel[(id * h.in + ih) * w.in + iw] * scale
                                                            : 0.0f;
                }
            }
        }
    }
    *out = 1.0f;
}

GramAccumulator::GramAccumulator(const TuningLayout& layout)
    : side_(static_cast<int>(layout.columns + 1)), groups_(static_cast<size_t>(layout.groups)) {
    for (auto& g : groups_) {
        g.gram = cv::Mat(side_, side_, CV_32F, cv::Scalar(0.0f));
        g.block = cv::Mat(kBlockRows, side_, CV_32F);
    }
}

float* GramAccumulator::next_row(int64_t group, RowUse use) {
    Group& g = groups_[static_cast<size_t>(group)];
    if (group == 0) ++rows_[static_cast<size_t>(use)];
    if (use == RowUse::Check) {
        g.check.resize(g.check.size() + static_cast<size_t>(side_));
        return g.check.data() + g.check.size() - static_cast<size_t>(side_);
    }
    if (g.filled == kBlockRows) flush(g);
    return g.block.ptr<float>(g.filled++);
}

const cv::Mat& GramAccumulator::gram(int64_t group) {
    Group& g = groups_[static_cast<size_t>(group)];
    flush(g);
    return g.gram;
}

cv::Mat GramAccumulator::check_rows(int64_t group) {
    auto& rows = groups_[static_cast<size_t>(group)].check;
    return cv::Mat(static_cast<int>(rows.size() / static_cast<size_t>(side_)), side_, CV_32F, rows.data());
}

void GramAccumulator::flush(Group& group) {
    if (group.filled == 0) return;
    const cv::Mat rows = group.block.rowRange(0, group.filled);
    cv::gemm(rows, rows, 1.0, group.gram, 1.0, group.gram, cv::GEMM_1_T);
    group.filled = 0;
}

}  // namespace pot::weight_sparsity
