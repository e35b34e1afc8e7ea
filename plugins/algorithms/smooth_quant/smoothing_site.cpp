#include "smoothing_site.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace pot::smooth_quant {

namespace {

bool is_op(const Node& node, const char* op_type) {
    return node.op_type == op_type && node.domain.empty();
}

// A constant f32 tensor with one entry per channel of the last axis: [C] or [1, ..., 1, C].
bool is_channel_constant(const Graph& graph, const std::string& value, int64_t channels) {
    if (!graph.is_constant(value)) return false;
    const Tensor& t = graph.constant(value);
    if (t.dtype() != DType::F32 || t.rank() < 1 || t.numel() != channels) return false;
    return t.dim(t.rank() - 1) == channels;
}

// The input of `node` (a binary Mul or Add) that is a per-channel constant, if exactly one is.
std::optional<size_t> channel_constant_input(const Graph& graph, const Node& node, int64_t channels) {
    if (node.inputs.size() != 2 || node.outputs.size() != 1) return std::nullopt;
    const bool first = is_channel_constant(graph, node.inputs[0], channels);
    const bool second = is_channel_constant(graph, node.inputs[1], channels);
    if (first == second) return std::nullopt;
    return first ? 0 : 1;
}

// The reader of `value` when it has exactly one and is not a graph output.
std::optional<size_t> only_reader(const Graph& graph, const std::string& value) {
    if (graph.is_output(value)) return std::nullopt;
    const auto readers = graph.consumers(value);
    if (readers.size() != 1) return std::nullopt;
    return readers[0];
}

// `node` as a linear consumer of `activation` (its left operand, constant 2-D f32 weights), with
// the number of input channels its weights expect; nothing when it is not one.
std::optional<std::pair<LinearConsumer, int64_t>> as_linear_consumer(const Graph& graph,
                                                                     const Node& node,
                                                                     const std::string& activation) {
    const bool matmul = is_op(node, "MatMul");
    const bool gemm = is_op(node, "Gemm");
    if ((!matmul && !gemm) || node.inputs.size() < 2 || node.inputs[0] != activation ||
        node.inputs[1] == activation || !graph.is_constant(node.inputs[1]))
        return std::nullopt;
    if (gemm && node.attr_int("transA", 0) != 0) return std::nullopt;
    const Tensor& w = graph.constant(node.inputs[1]);
    if (w.dtype() != DType::F32 || w.rank() != 2) return std::nullopt;
    const bool transposed = gemm && node.attr_int("transB", 0) != 0;
    return std::make_pair(LinearConsumer{node.name, transposed}, w.dim(transposed ? 1 : 0));
}

// The per-channel constants of the affine map producing `activation`, or nothing when the
// producer is not one: LayerNormalization over the last axis (scale, bias), Add(Mul(x, gamma),
// beta) with the Mul read only by the Add, or Mul(x, gamma).
std::vector<ChannelConstant> affine_constants(const Graph& graph, const std::string& activation,
                                              int64_t rank, int64_t channels) {
    const auto producer = graph.producer(activation);
    if (!producer) return {};
    const Node& node = graph.nodes[*producer];
    if (is_op(node, "LayerNormalization")) {
        const int64_t axis = node.attr_int("axis", -1);
        if ((axis != -1 && axis != rank - 1) || node.outputs.size() < 1 ||
            node.outputs[0] != activation || node.inputs.size() < 2 ||
            !is_channel_constant(graph, node.inputs[1], channels))
            return {};
        std::vector<ChannelConstant> constants = {{node.name, 1}};
        if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
            if (!is_channel_constant(graph, node.inputs[2], channels)) return {};
            constants.push_back({node.name, 2});
        }
        return constants;
    }
    if (is_op(node, "Mul")) {
        const auto gamma = channel_constant_input(graph, node, channels);
        if (!gamma) return {};
        return {{node.name, *gamma}};
    }
    if (!is_op(node, "Add")) return {};
    const auto beta = channel_constant_input(graph, node, channels);
    if (!beta) return {};
    const std::string& scaled = node.inputs[1 - *beta];
    const auto mul = graph.producer(scaled);
    if (!mul || !is_op(graph.nodes[*mul], "Mul") || only_reader(graph, scaled) != producer)
        return {};
    const auto gamma = channel_constant_input(graph, graph.nodes[*mul], channels);
    if (!gamma) return {};
    return {{graph.nodes[*mul].name, *gamma}, {node.name, *beta}};
}

}  // namespace

std::vector<SmoothingSite> find_smoothing_sites(const Graph& graph,
                                                const common::IgnoredScope& scope) {
    const auto ignored = scope.resolve(graph);
    std::vector<SmoothingSite> sites;
    for (const Node& node : graph.nodes) {
        for (const std::string& activation : node.outputs) {
            if (activation.empty() || graph.is_output(activation)) continue;
            const auto readers = graph.consumers(activation);
            if (readers.empty()) continue;
            // Every reader must be a linear layer, all expecting the same channel count.
            SmoothingSite site;
            site.activation = activation;
            for (size_t reader : readers) {
                const Node& consumer = graph.nodes[reader];
                const auto linear = as_linear_consumer(graph, consumer, activation);
                if (!linear || ignored.count(consumer.name) ||
                    (site.channels != 0 && linear->second != site.channels)) {
                    site.consumers.clear();
                    break;
                }
                site.channels = linear->second;
                site.consumers.push_back(linear->first);
            }
            const auto shape = graph.shape_of(activation);
            site.rank = shape ? static_cast<int64_t>(shape->size()) : 0;
            const bool shape_fits =
                !shape || (site.rank >= 2 && (shape->back() < 0 || shape->back() == site.channels));
            if (site.channels <= 0 || !shape_fits) continue;
            if (site.consumers.empty()) continue;
            site.affine = affine_constants(graph, activation, site.rank, site.channels);
            if (!site.affine.empty()) sites.push_back(std::move(site));
        }
    }
    return sites;
}

}  // namespace pot::smooth_quant
