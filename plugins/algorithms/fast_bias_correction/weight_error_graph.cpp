#include "weight_error_graph.hpp"

namespace pot::bias_correction {

Graph make_weight_error_graph(const Graph& graph, const BiasedOp& op, const Shape& src_shape) {
    const Node& node = graph.nodes[node_index(graph, op.node)];
    const auto weight_fq = weight_quantizer(graph, node);
    POT_CHECK(weight_fq.has_value(), node.describe(), ": weights are not quantized");

    Graph out;
    out.name = graph.name + "/" + op.node;
    out.opset = graph.opset;
    out.inputs.push_back({kOpGraphInput, DType::F32, src_shape});

    // The weight FakeQuantize with its constant inputs: the float weights and the four bounds.
    Node fq = graph.nodes[*weight_fq];
    for (const auto& in : fq.inputs) out.initializers[in] = graph.constant(in);
    const std::string float_weights = fq.inputs[0];
    const std::string quantized_weights = "weights/fq";
    fq.outputs = {quantized_weights};
    out.nodes.push_back(std::move(fq));

    // Copies of the op without its bias input.
    Node quantized = node;
    quantized.name = node.name + "/quantized";
    quantized.inputs = {kOpGraphInput, quantized_weights};
    quantized.outputs = {kOpGraphQuantizedOutput};
    Node fp32 = node;
    fp32.name = node.name + "/fp32";
    fp32.inputs = {kOpGraphInput, float_weights};
    fp32.outputs = {kOpGraphFloatOutput};
    out.nodes.push_back(std::move(quantized));
    out.nodes.push_back(std::move(fp32));
    out.outputs.push_back({kOpGraphQuantizedOutput, DType::F32, {}});
    out.outputs.push_back({kOpGraphFloatOutput, DType::F32, {}});
    return out;
}

}  // namespace pot::bias_correction
