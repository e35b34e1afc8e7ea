#include "quantized_op_graph.hpp"

namespace pot::bias_correction {

namespace {

// Adds a copy of FakeQuantize `fq` of `graph` reading `src` and writing `dst`; its constant
// inputs (bounds, and the weights themselves) are copied along.
void copy_quantizer(const Graph& graph, const Node& fq, const std::string& src,
                    const std::string& dst, Graph& out) {
    Node copy = fq;
    copy.outputs = {dst};
    for (size_t i = 0; i < copy.inputs.size(); ++i) {
        if (i == 0 && !src.empty()) {
            copy.inputs[0] = src;
            continue;
        }
        out.initializers[copy.inputs[i]] = graph.constant(copy.inputs[i]);
    }
    out.nodes.push_back(std::move(copy));
}

}  // namespace

Graph make_quantized_op_graph(const Graph& graph, const BiasedOp& op, const Shape& src_shape) {
    const Node& node = graph.nodes[node_index(graph, op.node)];
    const auto weight_fq = weight_quantizer(graph, node);
    POT_CHECK(weight_fq.has_value(), node.describe(), ": weights are not quantized");

    Graph out;
    out.name = graph.name + "/" + op.node;
    out.opset = graph.opset;
    out.inputs.push_back({kOpGraphInput, DType::F32, src_shape});
    std::string src = kOpGraphInput;
    if (const auto input_fq = input_quantizer(graph, node)) {
        src = "src/fq";
        copy_quantizer(graph, graph.nodes[*input_fq], kOpGraphInput, src, out);
    }
    const std::string weights = "weights/fq";
    copy_quantizer(graph, graph.nodes[*weight_fq], "", weights, out);

    Node copy = node;
    copy.inputs = {src, weights};  // the bias is left out
    copy.outputs = {kOpGraphOutput};
    out.nodes.push_back(std::move(copy));
    out.outputs.push_back({kOpGraphOutput, DType::F32, {}});
    return out;
}

}  // namespace pot::bias_correction
