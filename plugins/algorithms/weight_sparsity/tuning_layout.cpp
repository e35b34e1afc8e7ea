#include "tuning_layout.hpp"

#include <limits>

#include "pot/error.hpp"

namespace pot::weight_sparsity {

namespace {

// Index in `w` of the weight of channel `channel` (of all groups) and column `column`.
size_t weight_index(const TuningLayout& layout, int64_t channel, int64_t column) {
    return static_cast<size_t>(layout.channel_major ? channel * layout.columns + column
                                                    : column * layout.channels + channel);
}

void check_shapes(const Tensor& w, const TuningLayout& layout, int64_t group, size_t bias_size) {
    POT_CHECK(w.dtype() == DType::F32 && w.numel() == layout.channels * layout.columns &&
                  group >= 0 && group < layout.groups &&
                  bias_size == static_cast<size_t>(layout.channels),
              "layer fit: weights of shape ", shape_str(w.shape()), " and ", bias_size,
              " bias values do not match ", layout.channels, " channels of ", layout.columns,
              " columns in ", layout.groups, " groups");
}

}  // namespace

uint64_t TuningLayout::gram_bytes() const {
    const auto side = static_cast<uint64_t>(columns) + 1;
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    if (side > (max / sizeof(float)) / side) return max;
    const uint64_t one = side * side * sizeof(float);
    return one > max / static_cast<uint64_t>(groups) ? max : one * static_cast<uint64_t>(groups);
}

std::optional<TuningLayout> tuning_layout(const Graph& graph, const SparsityTarget& target) {
    const Node& node = graph.nodes[node_index(graph, target.node)];
    const Tensor& w = graph.constant(target.weights);
    TuningLayout layout;
    if (node.op_type == "Conv") {
        layout.conv = true;
        layout.groups = node.attr_int("group", 1);
        layout.channels = w.dim(0);
        if (layout.groups < 1 || layout.channels % layout.groups != 0) return std::nullopt;
        layout.columns = w.numel() / layout.channels;
        layout.kernel.assign(w.shape().begin() + 2, w.shape().end());
        if (layout.kernel.empty() || layout.kernel.size() > 3) return std::nullopt;
    } else if (node.op_type == "Gemm") {
        if (node.attr_int("transA", 0) != 0 || w.rank() != 2) return std::nullopt;
        layout.channel_major = node.attr_int("transB", 0) != 0;
        layout.channels = layout.channel_major ? w.dim(0) : w.dim(1);
        layout.columns = layout.channel_major ? w.dim(1) : w.dim(0);
        layout.src_scale = node.attr_float("alpha", 1.0f);
    } else if (node.op_type == "MatMul") {
        if (w.rank() != 2) return std::nullopt;
        layout.channel_major = false;
        layout.channels = w.dim(1);
        layout.columns = w.dim(0);
    } else {
        return std::nullopt;
    }
    if (layout.channels < 1 || layout.columns < 1) return std::nullopt;
    return layout;
}

cv::Mat group_weights(const Tensor& w, const TuningLayout& layout, int64_t group,
                      const std::vector<float>& bias) {
    check_shapes(w, layout, group, bias.size());
    const int64_t per_group = layout.channels_per_group();
    cv::Mat m(static_cast<int>(layout.columns + 1), static_cast<int>(per_group), CV_32F);
    const float* src = w.data<float>();
    for (int64_t c = 0; c < per_group; ++c) {
        const int64_t channel = group * per_group + c;
        for (int64_t j = 0; j < layout.columns; ++j)
            m.at<float>(static_cast<int>(j), static_cast<int>(c)) = src[weight_index(layout, channel, j)];
        m.at<float>(static_cast<int>(layout.columns), static_cast<int>(c)) = bias[static_cast<size_t>(channel)];
    }
    return m;
}

void store_group_weights(const cv::Mat& m, const TuningLayout& layout, int64_t group, Tensor& w,
                         std::vector<float>& bias) {
    check_shapes(w, layout, group, bias.size());
    const int64_t per_group = layout.channels_per_group();
    POT_CHECK(m.type() == CV_32F && m.rows == layout.columns + 1 && m.cols == per_group,
              "layer fit: a ", m.rows, "x", m.cols, " matrix does not fit group ", group, " of ",
              layout.columns + 1, "x", per_group);
    float* dst = w.data<float>();
    for (int64_t c = 0; c < per_group; ++c) {
        const int64_t channel = group * per_group + c;
        for (int64_t j = 0; j < layout.columns; ++j)
            dst[weight_index(layout, channel, j)] = m.at<float>(static_cast<int>(j), static_cast<int>(c));
        bias[static_cast<size_t>(channel)] = m.at<float>(static_cast<int>(layout.columns), static_cast<int>(c));
    }
}

}  // namespace pot::weight_sparsity
