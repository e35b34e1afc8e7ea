#include "node_removal.hpp"
#include "pot/batch_norm.hpp"
#include "pot/core/graph_transforms.hpp"

namespace pot::core {

namespace {
constexpr float kDefaultBatchNormEpsilon = 1e-5f;

const Tensor* f32_constant(const Graph& graph, const std::string& value) {
    if (value.empty() || !graph.is_constant(value)) return nullptr;
    const Tensor& t = graph.constant(value);
    return t.dtype() == DType::F32 ? &t : nullptr;
}

std::optional<BatchNormAffine> batch_norm_affine(const Graph& graph, const Node& bn) {
    if (bn.inputs.size() != 5 || bn.attr_int("training_mode", 0) != 0) return std::nullopt;
    for (size_t i = 1; i < bn.outputs.size(); ++i) {
        const auto& extra = bn.outputs[i];
        if (!extra.empty() && (graph.is_output(extra) || !graph.consumers(extra).empty()))
            return std::nullopt;
    }
    std::vector<std::vector<float>> params;
    for (size_t i = 1; i < 5; ++i) {
        const Tensor* t = f32_constant(graph, bn.inputs[i]);
        if (!t || t->rank() != 1) return std::nullopt;
        params.push_back(t->to_floats());
    }
    const size_t channels = params[0].size();
    for (const auto& p : params)
        if (p.size() != channels) return std::nullopt;
    return pot::batch_norm_affine(params[0], params[1], params[2], params[3],
                                  bn.attr_float("epsilon", kDefaultBatchNormEpsilon));
}

class BatchNormFolder {
public:
    explicit BatchNormFolder(Graph& graph) : graph_(graph) {}

    /// Folds BatchNormalization node `bn_index` into its producer; false when it does not apply.
    bool fold(size_t bn_index) {
        const Node& bn = graph_.nodes[bn_index];
        if (bn.inputs.size() != 5 || bn.outputs.empty()) return false;
        const std::string src = bn.inputs[0];
        if ( graph_.is_output(src) || graph_.consumers(src).size() != 1)
            return false;
        auto producer = graph_.producer(src);
        if (!producer || graph_.nodes[*producer].outputs.size() != 1) return false;
        auto affine = batch_norm_affine(graph_, bn);
        if (!affine) return false;
        Node& node = graph_.nodes[*producer];
        bool folded = false;
        if (is_onnx_op(node, "Conv")) folded = fold_into_conv(node, *affine);
        else if (is_onnx_op(node, "Gemm")) folded = fold_into_gemm(node, *affine);
        else if (is_onnx_op(node, "MatMul")) folded = fold_into_matmul(node, *affine);
        if (!folded) return false;
        node.outputs[0] = bn.outputs[0];
        graph_.value_info.erase(src);
        return true;
    }

private:
    /// Name under which the folded copy of constant `value` is stored: in place when only
    /// `reader` reads it, else a new constant.
    std::string writable_constant(const std::string& value, const std::string& suffix) {
        if (graph_.consumers(value).size() == 1 && !graph_.is_output(value)) return value;
        return graph_.unique_name(value + suffix);
    }

    /// Bias of `channels` values from input `slot` of `node` (zeros when absent), scaled by `beta`.
    std::optional<std::vector<double>> bias_of(const Node& node, size_t slot, size_t channels, double beta) {
        std::vector<double> bias(channels, 0.0);
        if (node.inputs.size() <= slot || node.inputs[slot].empty()) return bias;
        const Tensor* t = f32_constant(graph_, node.inputs[slot]);
        if (!t) return std::nullopt;
        const auto values = t->to_floats();
        if (values.size() == 1) bias.assign(channels, values[0]);
        else if (values.size() == channels && t->dim(-1) == static_cast<int64_t>(channels)) bias.assign(values.begin(), values.end());
        else return std::nullopt;
        for (auto& b : bias) b *= beta;
        return bias;
    }

    void set_bias(Node& node, size_t slot, const std::vector<double>& bias, const BatchNormAffine& a) {
        std::vector<float> folded(bias.size());
        for (size_t c = 0; c < bias.size(); ++c)
            folded[c] = static_cast<float>(bias[c] * a.scale[c] + a.shift[c]);
        const bool has_bias = node.inputs.size() > slot && !node.inputs[slot].empty();
        const std::string name = has_bias ? writable_constant(node.inputs[slot], "/folded")
                                          : graph_.unique_name(node.name + "/bias");
        graph_.initializers[name] = Tensor::from_vector<float>({static_cast<int64_t>(folded.size())}, folded);
        if (node.inputs.size() <= slot) node.inputs.resize(slot + 1);
        node.inputs[slot] = name;
    }

    /// Scales weight input `slot` of `node`: element i gets scale[channel_of(i)].
    template <typename ChannelOf>
    void scale_weight(Node& node, size_t slot, const BatchNormAffine& a, ChannelOf channel_of) {
        Tensor weight = graph_.constant(node.inputs[slot]);
        float* w = weight.data<float>();
        for (int64_t i = 0; i < weight.numel(); ++i)
            w[i] = static_cast<float>(w[i] * a.scale[channel_of(i)]);
        const std::string name = writable_constant(node.inputs[slot], "/folded");
        graph_.initializers[name] = std::move(weight);
        node.inputs[slot] = name;
    }

    bool fold_into_conv(Node& conv, const BatchNormAffine& a) {
        if (conv.inputs.size() < 2) return false;
        const Tensor* w = f32_constant(graph_, conv.inputs[1]);
        const size_t channels = a.scale.size();
        if (!w || w->rank() < 3 || w->dim(0) != static_cast<int64_t>(channels)) return false;
        auto bias = bias_of(conv, 2, channels, 1.0);
        if (!bias) return false;
        const int64_t per_channel = w->numel() / w->dim(0);
        scale_weight(conv, 1, a, [&](int64_t i) { return static_cast<size_t>(i / per_channel); });
        set_bias(conv, 2, *bias, a);
        return true;
    }

    bool fold_into_gemm(Node& gemm, const BatchNormAffine& a) {
        if (gemm.inputs.size() < 2) return false;
        const Tensor* w = f32_constant(graph_, gemm.inputs[1]);
        const size_t channels = a.scale.size();
        const bool trans_b = gemm.attr_int("transB", 0) != 0;
        if (!w || w->rank() != 2 || w->dim(trans_b ? 0 : 1) != static_cast<int64_t>(channels))
            return false;
        auto bias = bias_of(gemm, 2, channels, gemm.attr_float("beta", 1.0f));
        if (!bias) return false;
        const int64_t cols = w->dim(1);
        if (trans_b) scale_weight(gemm, 1, a, [&](int64_t i) { return static_cast<size_t>(i / cols); });
        else scale_weight(gemm, 1, a, [&](int64_t i) { return static_cast<size_t>(i % cols); });
        set_bias(gemm, 2, *bias, a);
        gemm.attributes["beta"] = 1.0f;
        return true;
    }

    // A MatMul has no bias input; with a 2-D left operand it is exactly a Gemm, which has one.
    bool fold_into_matmul(Node& matmul, const BatchNormAffine& a) {
        if (matmul.inputs.size() != 2) return false;
        const auto lhs_shape = graph_.shape_of(matmul.inputs[0]);
        if (!lhs_shape || lhs_shape->size() != 2) return false;
        const Tensor* w = f32_constant(graph_, matmul.inputs[1]);
        if (!w || w->rank() != 2 || w->dim(1) != static_cast<int64_t>(a.scale.size())) return false;
        if (!fold_into_gemm(matmul, a)) return false;
        matmul.op_type = "Gemm";
        return true;
    }

    Graph& graph_;
};
}  // namespace

void fold_batch_norm(Graph& graph) {
    BatchNormFolder folder(graph);
    remove_nodes(graph, [&](size_t i) {
        return is_onnx_op(graph.nodes[i], "BatchNormalization") && folder.fold(i);
    });
}

}  // namespace pot::core
