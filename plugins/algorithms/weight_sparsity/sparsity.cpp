#include "sparsity.hpp"

#include <algorithm>
#include <cmath>

#include "pot/error.hpp"

namespace pot::weight_sparsity {

namespace {

double l2_norm(const float* v, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
    return std::sqrt(sum);
}

// 1 / ||w||_2, or 1 for an all-zero tensor (its magnitudes stay 0 and are all below any threshold).
float inverse_norm(const Tensor& w) {
    const double norm = l2_norm(w.data<float>(), static_cast<size_t>(w.numel()));
    return norm > 0.0 ? static_cast<float>(1.0 / norm) : 1.0f;
}

// Element offsets of channel `c` along `axis` of a tensor of `shape`: `outer` blocks of `inner`
// contiguous elements, `stride` apart.
struct ChannelLayout {
    size_t outer = 1, channels = 1, inner = 1;
    explicit ChannelLayout(const Shape& shape, int64_t axis) {
        for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
            const auto n = static_cast<size_t>(shape[static_cast<size_t>(d)]);
            if (d < axis) outer *= n;
            else if (d == axis) channels = n;
            else inner *= n;
        }
    }
    template <typename F>
    void for_each(size_t c, F&& f) const {
        for (size_t o = 0; o < outer; ++o)
            for (size_t i = 0; i < inner; ++i) f((o * channels + c) * inner + i);
    }
    size_t per_channel() const { return outer * inner; }
};

}  // namespace

std::vector<SparsityTarget> find_sparsity_targets(const Graph& graph,
                                                  const std::unordered_set<std::string>& ignored,
                                                  bool skip_input_convolutions) {
    std::vector<SparsityTarget> targets;
    for (const auto& node : graph.nodes) {
        if (!node.domain.empty() || node.inputs.size() < 2 || ignored.count(node.name)) continue;
        const bool conv = node.op_type == "Conv";
        if (!conv && node.op_type != "Gemm" && node.op_type != "MatMul") continue;
        const std::string& w = node.inputs[1];
        if (!graph.is_constant(w)) continue;
        const Tensor& t = graph.constant(w);
        if (t.dtype() != DType::F32 || t.rank() < 2 || t.numel() == 0) continue;
        if (node.op_type == "Gemm" && t.rank() != 2) continue;
        const auto reads_model_input = [&] {
            return std::any_of(graph.inputs.begin(), graph.inputs.end(),
                               [&](const auto& input) { return input.name == node.inputs[0]; });
        };
        if (conv && skip_input_convolutions && reads_model_input()) continue;
        const int64_t axis = conv ? 0 : node.op_type == "Gemm" ? (node.attr_int("transB", 0) ? 0 : 1) : t.rank() - 1;
        targets.push_back({node.name, w, axis});
    }
    return targets;
}

float sparsity_threshold(const std::vector<const Tensor*>& tensors, double level, bool normed) {
    POT_CHECK(level >= 0.0 && level < 1.0, "sparsity level must be in [0, 1), got ", level);
    std::vector<float> magnitudes;
    size_t total = 0;
    for (const Tensor* t : tensors) total += static_cast<size_t>(t->numel());
    if (total == 0) return 0.0f;
    magnitudes.reserve(total);
    for (const Tensor* t : tensors) {
        const float scale = normed ? inverse_norm(*t) : 1.0f;
        const float* v = t->data<float>();
        for (int64_t i = 0; i < t->numel(); ++i) magnitudes.push_back(std::fabs(v[i]) * scale);
    }
    const auto k = std::min(total - 1, static_cast<size_t>(level * static_cast<double>(total)));
    std::nth_element(magnitudes.begin(), magnitudes.begin() + static_cast<std::ptrdiff_t>(k), magnitudes.end());
    return magnitudes[k];
}

size_t sparsify(Tensor& w, int64_t channel_axis, const SparsifyOptions& options) {
    POT_CHECK(w.dtype() == DType::F32 && channel_axis >= 0 && channel_axis < w.rank(),
              "sparsify: expected f32 weights with a channel axis in range");
    float* v = w.data<float>();
    const auto n = static_cast<size_t>(w.numel());
    // The mask comes from the weights as given; the rescaling below does not move it.
    const float scale = options.normed ? inverse_norm(w) : 1.0f;
    std::vector<bool> dropped(n);
    size_t zeroed = 0;
    for (size_t i = 0; i < n; ++i) {
        dropped[i] = std::fabs(v[i]) * scale < options.threshold;
        zeroed += dropped[i] ? 1 : 0;
    }
    if (options.correct_distribution) {
        const ChannelLayout layout(w.shape(), channel_axis);
        const auto count = static_cast<double>(layout.per_channel());
        for (size_t c = 0; c < layout.channels; ++c) {
            // Mean and standard deviation of the channel, and of the channel with its dropped
            // weights set to zero.
            double sum = 0, sq = 0, sparse_sum = 0, sparse_sq = 0;
            layout.for_each(c, [&](size_t i) {
                const double x = v[i];
                sum += x;
                sq += x * x;
                if (!dropped[i]) {
                    sparse_sum += x;
                    sparse_sq += x * x;
                }
            });
            const double mean = sum / count, sparse_mean = sparse_sum / count;
            const double stddev = std::sqrt(std::max(0.0, sq / count - mean * mean));
            const double sparse_std = std::sqrt(std::max(0.0, sparse_sq / count - sparse_mean * sparse_mean));
            const double a = stddev / (sparse_std + options.eps);
            const double b = mean - a * sparse_mean;
            layout.for_each(c, [&](size_t i) { v[i] = static_cast<float>(v[i] * a + b); });
        }
    }
    for (size_t i = 0; i < n; ++i)
        if (dropped[i]) v[i] = 0.0f;
    return zeroed;
}

}  // namespace pot::weight_sparsity
