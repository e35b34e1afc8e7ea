#include "reference_ops.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "kernels.hpp"

namespace pot::reference {

namespace {

using Kernel = void (*)(NodeContext&);
using Checker = void (*)(const Node&, int64_t);

struct OpEntry {
    Kernel run;
    Checker check;  ///< nullptr: every attribute value the spec allows is implemented
};

// Keyed by (domain, op_type); "ai.onnx" is folded into "".
const std::map<std::pair<std::string, std::string>, OpEntry>& op_table() {
    static const std::map<std::pair<std::string, std::string>, OpEntry> table = [] {
        std::map<std::pair<std::string, std::string>, OpEntry> t;
        auto add = [&](const char* op, Kernel run, Checker check = nullptr) {
            t[{"", op}] = OpEntry{run, check};
        };
        for (const char* op :
             {"Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Sqrt",
              "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil"})
            add(op, run_unary, check_unary);
        add("Clip", run_clip);
        add("Identity", run_identity);
        add("Dropout", run_identity, check_unary);
        for (const char* op : {"Add", "Sub", "Mul", "Div", "Mod", "Pow", "PRelu"}) add(op, run_binary);
        add("Conv", run_conv, check_conv);
        add("ConvTranspose", run_conv_transpose, check_conv_transpose);
        for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
            add(op, run_compare);
        for (const char* op : {"And", "Or", "Xor", "Not"}) add(op, run_logical);
        add("Where", run_where);
        add("LSTM", run_lstm, check_recurrent);
        add("GRU", run_gru, check_recurrent);
        add("Expand", run_expand);
        add("Tile", run_tile);
        add("Range", run_range);
        add("Gemm", run_gemm);
        add("MatMul", run_matmul);
        add("MaxPool", run_max_pool, check_pool);
        add("AveragePool", run_average_pool, check_pool);
        add("GlobalAveragePool", run_global_average_pool);
        add("Softmax", run_softmax);
        add("LogSoftmax", run_softmax);
        add("BatchNormalization", run_batch_normalization, check_batch_normalization);
        add("LayerNormalization", run_layer_normalization);
        add("ReduceMean", run_reduce_mean);
        add("ReduceSum", run_reduce_sum);
        add("ReduceMax", run_reduce_max);
        add("ReduceMin", run_reduce_min);
        add("Reshape", run_reshape);
        add("Flatten", run_flatten);
        add("Squeeze", run_squeeze);
        add("Unsqueeze", run_unsqueeze);
        add("Shape", run_shape);
        add("Concat", run_concat);
        add("Split", run_split);
        add("Transpose", run_transpose);
        add("Slice", run_slice);
        add("Gather", run_gather);
        add("ScatterND", run_scatter_nd);
        add("Pad", run_pad, check_pad);
        add("Resize", run_resize, check_resize);
        add("Constant", run_constant, check_constant);
        add("ConstantOfShape", run_constant_of_shape);
        add("Cast", run_cast, check_cast);
        add("QuantizeLinear", run_quantize_linear);
        add("DequantizeLinear", run_dequantize_linear);
        t[{kFakeQuantizeDomain, kFakeQuantizeOp}] = OpEntry{run_fake_quantize, nullptr};
        return t;
    }();
    return table;
}

const OpEntry* find_op(const Node& node) {
    const std::string domain = node.domain == "ai.onnx" ? "" : node.domain;
    auto it = op_table().find({domain, node.op_type});
    return it == op_table().end() ? nullptr : &it->second;
}

std::string unsupported_message(const Node& node) {
    return str_cat("reference engine does not support op '", node.op_type, "'",
                   node.domain.empty() ? "" : str_cat(" of domain '", node.domain, "'"), " (node '",
                   node.name, "')");
}

}  // namespace

bool supports_op(const Node& node) { return find_op(node) != nullptr; }

void check_node(const Node& node, int64_t opset) {
    const OpEntry* entry = find_op(node);
    POT_CHECK(entry != nullptr, unsupported_message(node));
    if (!entry->check) return;
    try {
        entry->check(node, opset);
    } catch (const Error& e) {
        throw Error(e.kind(), str_cat(node.describe(), ": ", e.what()));
    }
}

void run_node(const Node& node, const std::vector<const Tensor*>& inputs,
              std::vector<Tensor>& outputs, int64_t opset) {
    const OpEntry* entry = find_op(node);
    POT_CHECK(entry != nullptr, unsupported_message(node));
    outputs.assign(node.outputs.size(), Tensor{});
    NodeContext ctx(node, inputs, outputs, opset);
    try {
        if (entry->check) entry->check(node, opset);
        entry->run(ctx);
    } catch (const Error& e) {
        throw Error(e.kind(), str_cat(node.describe(), ": ", e.what()));
    }
}

std::vector<std::string> supported_ops() {
    std::vector<std::string> ops;
    for (const auto& [key, entry] : op_table()) ops.push_back(key.second);
    std::sort(ops.begin(), ops.end());
    return ops;
}

}  // namespace pot::reference
