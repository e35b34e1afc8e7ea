#include "graph_validation.hpp"

#include <onnx/defs/schema.h>

#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "pot/error.hpp"

namespace pot::core::model_io {

namespace {

// Where a value comes from, for "already defined by ..." messages.
using Definitions = std::unordered_map<std::string, std::string>;

void check_definitions(const Graph& graph) {
    POT_CHECK_KIND(Input, !graph.outputs.empty(),
                   "the graph has no outputs; a model must declare at least one");
    Definitions defined;
    for (const auto& in : graph.inputs) {
        POT_CHECK_KIND(Input, !in.name.empty(), "a graph input has an empty name");
        const bool fresh = defined.emplace(in.name, "graph input").second;
        POT_CHECK_KIND(Input, fresh, "graph input '", in.name, "' is declared twice");
    }
    for (const auto& [name, tensor] : graph.initializers) {
        const bool fresh = defined.emplace(name, "initializer").second;
        // ONNX lets an initializer give an input its default; the reader keeps such inputs as
        // constants, so a clash here is a real redefinition.
        POT_CHECK_KIND(Input, fresh, "initializer '", name, "' has the name of a graph input");
    }
    std::set<std::string> produced_later;
    for (const auto& node : graph.nodes)
        for (const auto& out : node.outputs)
            if (!out.empty()) produced_later.insert(out);
    for (const auto& node : graph.nodes) {
        for (const auto& in : node.inputs) {
            if (in.empty() || defined.count(in)) continue;
            POT_CHECK_KIND(Input, !produced_later.count(in), node.describe(), " reads '", in,
                           "' before it is computed: the graph has a cycle or is not in "
                           "topological order");
            POT_THROW(Input, node.describe(), " reads '", in,
                      "', which no node, graph input or initializer defines");
        }
        for (const auto& out : node.outputs) {
            if (out.empty()) continue;
            const auto [at, fresh] = defined.emplace(out, node.describe());
            POT_CHECK_KIND(Input, fresh, node.describe(), " redefines '", out,
                           "', which is already defined by ", at->second,
                           "; every value must be defined once");
        }
    }
    for (const auto& out : graph.outputs)
        POT_CHECK_KIND(Input, defined.count(out.name), "graph output '", out.name,
                       "' is not computed by any node, input or initializer");
}

const Tensor* constant_input(const Graph& graph, const Node& node, size_t index) {
    if (index >= node.inputs.size() || node.inputs[index].empty()) return nullptr;
    auto it = graph.initializers.find(node.inputs[index]);
    return it == graph.initializers.end() ? nullptr : &it->second;
}

std::optional<Shape> input_shape(const Graph& graph, const Node& node, size_t index) {
    if (index >= node.inputs.size() || node.inputs[index].empty()) return std::nullopt;
    return graph.shape_of(node.inputs[index]);
}

void check_finite(const Node& node, const Tensor& weight, const std::string& role) {
    if (weight.dtype() != DType::F32) return;
    const float* values = weight.data<float>();
    for (int64_t i = 0; i < weight.numel(); ++i)
        POT_CHECK_KIND(Input, std::isfinite(values[i]), node.describe(), ": ", role, " holds ",
                       values[i], " at flat index ", i, "; weights must be finite numbers");
}

/// Checks an ints attribute: `count` entries (when count >= 0), each at least `minimum`.
void check_ints(const Node& node, const std::string& key, int64_t count, int64_t minimum) {
    if (!node.has_attr(key)) return;
    const auto values = node.attr_ints(key);
    POT_CHECK_KIND(Input, count < 0 || static_cast<int64_t>(values.size()) == count,
                   node.describe(), ": attribute '", key, "' has ", values.size(),
                   " entries, expected ", count);
    for (int64_t v : values)
        POT_CHECK_KIND(Input, v >= minimum, node.describe(), ": attribute '", key,
                       "' holds ", v, "; entries must be at least ", minimum);
}

/// Attributes shared by convolutions and pooling. `spatial` is the number of spatial axes, or
/// -1 when neither the kernel nor the input tells it.
void check_window_attributes(const Node& node, int64_t spatial) {
    static const std::set<std::string> kAutoPad = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
    const auto auto_pad = node.attr_string("auto_pad", "NOTSET");
    POT_CHECK_KIND(Input, kAutoPad.count(auto_pad), node.describe(), ": attribute 'auto_pad' is '",
                   auto_pad, "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    check_ints(node, "kernel_shape", spatial, 1);
    check_ints(node, "strides", spatial, 1);
    check_ints(node, "dilations", spatial, 1);
    check_ints(node, "pads", spatial < 0 ? -1 : 2 * spatial, 0);
    check_ints(node, "output_padding", spatial, 0);
    if (node.has_attr("pads") && spatial < 0)
        POT_CHECK_KIND(Input, node.attr_ints("pads").size() % 2 == 0, node.describe(),
                       ": attribute 'pads' needs a begin and an end per spatial axis");
}

void check_conv(const Graph& graph, const Node& node) {
    const bool transposed = node.op_type == "ConvTranspose";
    POT_CHECK_KIND(Input, node.inputs.size() >= 2 && !node.inputs[1].empty(), node.describe(),
                   ": needs an input and a weight");
    const auto weight_shape = input_shape(graph, node, 1);
    const auto src_shape = input_shape(graph, node, 0);
    int64_t spatial = -1;
    if (weight_shape) {
        POT_CHECK_KIND(Input, weight_shape->size() >= 3, node.describe(), ": weight '",
                       node.inputs[1], "' has shape ", shape_str(*weight_shape),
                       "; expected [out, in/group, kernel...] with at least one spatial axis");
        spatial = static_cast<int64_t>(weight_shape->size()) - 2;
        for (int64_t d : *weight_shape)
            POT_CHECK_KIND(Input, d != 0, node.describe(), ": weight '", node.inputs[1],
                           "' has an empty dimension (shape ", shape_str(*weight_shape), ")");
    }
    check_window_attributes(node, spatial);
    const int64_t group = node.attr_int("group", 1);
    POT_CHECK_KIND(Input, group >= 1, node.describe(), ": attribute 'group' is ", group,
                   "; expected a positive integer");
    if (weight_shape && node.has_attr("kernel_shape")) {
        const auto kernel = node.attr_ints("kernel_shape");
        for (size_t i = 0; i < kernel.size(); ++i)
            POT_CHECK_KIND(Input, (*weight_shape)[i + 2] < 0 || kernel[i] == (*weight_shape)[i + 2],
                           node.describe(), ": kernel_shape ", shape_str(kernel),
                           " disagrees with the weight's shape ", shape_str(*weight_shape));
    }
    if (!weight_shape) return;
    const int64_t w0 = (*weight_shape)[0], w1 = (*weight_shape)[1];
    // Conv weights are [out, in/group, ...]; ConvTranspose weights are [in, out/group, ...].
    const int64_t out_channels = transposed ? (w1 < 0 ? -1 : w1 * group) : w0;
    const int64_t in_channels = transposed ? w0 : (w1 < 0 ? -1 : w1 * group);
    if (!transposed && w0 >= 0)
        POT_CHECK_KIND(Input, w0 % group == 0, node.describe(), ": ", w0,
                       " output channels cannot be split into ", group, " groups");
    if (src_shape) {
        POT_CHECK_KIND(Input, src_shape->size() == weight_shape->size(), node.describe(),
                       ": input '", node.inputs[0], "' has rank ", src_shape->size(),
                       " but the weight has rank ", weight_shape->size());
        const int64_t c = (*src_shape)[1];
        POT_CHECK_KIND(Input, c < 0 || in_channels < 0 || c == in_channels, node.describe(),
                       ": input '", node.inputs[0], "' has ", c, " channels but the weight ",
                       shape_str(*weight_shape), " with group ", group, " expects ", in_channels);
    }
    if (const auto bias_shape = input_shape(graph, node, 2)) {
        POT_CHECK_KIND(Input, bias_shape->size() == 1, node.describe(), ": bias '", node.inputs[2],
                       "' has shape ", shape_str(*bias_shape), "; expected one value per output channel");
        POT_CHECK_KIND(Input, out_channels < 0 || (*bias_shape)[0] < 0 || (*bias_shape)[0] == out_channels,
                       node.describe(), ": bias '", node.inputs[2], "' has ", (*bias_shape)[0],
                       " values but the layer has ", out_channels, " output channels");
    }
}

void check_pool(const Graph& graph, const Node& node) {
    const auto src_shape = input_shape(graph, node, 0);
    int64_t spatial = src_shape && src_shape->size() >= 3 ? static_cast<int64_t>(src_shape->size()) - 2 : -1;
    if (spatial < 0 && node.has_attr("kernel_shape"))
        spatial = static_cast<int64_t>(node.attr_ints("kernel_shape").size());
    POT_CHECK_KIND(Input, node.has_attr("kernel_shape"), node.describe(),
                   ": attribute 'kernel_shape' is required");
    POT_CHECK_KIND(Input, spatial >= 1, node.describe(),
                   ": attribute 'kernel_shape' needs one entry per spatial axis");
    check_window_attributes(node, spatial);
}

void check_gemm(const Graph& graph, const Node& node) {
    const auto a = input_shape(graph, node, 0);
    const auto b = input_shape(graph, node, 1);
    const auto c = input_shape(graph, node, 2);
    if (!b || b->size() != 2 || !c) return;
    const int64_t n = node.attr_int("transB", 0) ? (*b)[0] : (*b)[1];
    const int64_t m = a && a->size() == 2 ? (node.attr_int("transA", 0) ? (*a)[1] : (*a)[0]) : -1;
    // C broadcasts unidirectionally to [M, N].
    POT_CHECK_KIND(Input, c->size() <= 2, node.describe(), ": C '", node.inputs[2], "' has shape ",
                   shape_str(*c), "; expected a scalar, [N], [1, N], [M, 1] or [M, N]");
    const int64_t c_last = c->empty() ? 1 : c->back();
    POT_CHECK_KIND(Input, c_last == 1 || c_last == n || c_last < 0 || n < 0, node.describe(), ": C '",
                   node.inputs[2], "' has shape ", shape_str(*c), " which does not broadcast to N = ", n);
    if (c->size() == 2)
        POT_CHECK_KIND(Input, (*c)[0] == 1 || (*c)[0] == m || (*c)[0] < 0 || m < 0, node.describe(),
                       ": C '", node.inputs[2], "' has shape ", shape_str(*c),
                       " which does not broadcast to M = ", m);
}

void check_batch_norm(const Graph& graph, const Node& node) {
    const auto src_shape = input_shape(graph, node, 0);
    const int64_t channels = src_shape && src_shape->size() >= 2 ? (*src_shape)[1] : -1;
    static const char* kRoles[] = {"", "scale", "bias", "mean", "variance"};
    for (size_t i = 1; i < 5 && i < node.inputs.size(); ++i) {
        const Tensor* t = constant_input(graph, node, i);
        if (!t) continue;
        POT_CHECK_KIND(Input, t->rank() == 1 && (channels < 0 || t->dim(0) == channels),
                       node.describe(), ": ", kRoles[i], " '", node.inputs[i], "' has shape ",
                       shape_str(t->shape()), "; expected one value per channel (", channels, ")");
    }
}

void check_weights_finite(const Graph& graph, const Node& node) {
    static const std::map<std::string, std::vector<size_t>> kWeightInputs = {
        {"Conv", {1, 2}}, {"ConvTranspose", {1, 2}}, {"Gemm", {0, 1, 2}}, {"MatMul", {0, 1}}};
    auto it = kWeightInputs.find(node.op_type);
    if (it == kWeightInputs.end()) return;
    for (size_t index : it->second)
        if (const Tensor* t = constant_input(graph, node, index))
            check_finite(node, *t, str_cat("constant input '", node.inputs[index], "'"));
}

void check_node(const Graph& graph, const Node& node) {
    if (!node.domain.empty()) return;
    const auto& op = node.op_type;
    if (op == "Conv" || op == "ConvTranspose") check_conv(graph, node);
    else if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") check_pool(graph, node);
    else if (op == "Gemm") check_gemm(graph, node);
    else if (op == "BatchNormalization") check_batch_norm(graph, node);
    check_weights_finite(graph, node);
}

}  // namespace

int64_t newest_supported_opset() {
    const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    const auto it = ranges.find(onnx::ONNX_DOMAIN);
    return it == ranges.end() ? 13 : it->second.second;
}

void validate_graph(const Graph& graph) {
    const int64_t newest = newest_supported_opset();
    POT_CHECK_KIND(Input, graph.opset >= 1 && graph.opset <= newest, "the model imports opset ",
                   graph.opset, " of the default domain; this build supports opsets 1 to ", newest,
                   ": re-export the model with opset ", newest, " or older");
    check_definitions(graph);
    for (const auto& node : graph.nodes) check_node(graph, node);
}

}  // namespace pot::core::model_io
