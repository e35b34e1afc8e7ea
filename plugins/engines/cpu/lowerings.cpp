#include <map>

#include "ops.hpp"
#include "spelled_activations.hpp"

namespace pot::cpu {

LowerFn find_lowering(const Node& node) {
    if (is_fake_quantize(node)) return &lower_fake_quantize;
    if (node.domain == kEngineDomain) return &lower_eltwise;
    if (!node.domain.empty() && node.domain != "ai.onnx") return nullptr;
    static const std::map<std::string, LowerFn> kLowerings = {
        {"Conv", &lower_conv},
        {"ConvTranspose", &lower_conv_transpose},
        {"Gemm", &lower_gemm},
        {"MatMul", &lower_matmul},
        {"MaxPool", &lower_pool},
        {"AveragePool", &lower_pool},
        {"GlobalAveragePool", &lower_pool},
        {"Relu", &lower_eltwise},
        {"LeakyRelu", &lower_eltwise},
        {"Clip", &lower_eltwise},
        {"Sigmoid", &lower_eltwise},
        {"Tanh", &lower_eltwise},
        {"HardSwish", &lower_eltwise},
        {"HardSigmoid", &lower_eltwise},
        {"Gelu", &lower_eltwise},
        {"Exp", &lower_eltwise},
        {"Log", &lower_eltwise},
        {"Sqrt", &lower_eltwise},
        {"Abs", &lower_eltwise},
        {"Neg", &lower_eltwise},
        {"Add", &lower_binary},
        {"Sub", &lower_binary},
        {"Mul", &lower_binary},
        {"Div", &lower_binary},
        {"Softmax", &lower_softmax},
        {"LogSoftmax", &lower_softmax},
        {"LayerNormalization", &lower_layer_norm},
        {"BatchNormalization", &lower_batch_norm},
        {"Concat", &lower_concat},
        {"Reshape", &lower_reshape},
        {"Transpose", &lower_transpose},
        {"Slice", &lower_slice},
        {"Pad", &lower_pad},
        {"Resize", &lower_resize},
        {"Gather", &lower_gather},
        {"ReduceMean", &lower_reduce},
        {"ReduceSum", &lower_reduce},
        {"ReduceMax", &lower_reduce},
        {"ReduceMin", &lower_reduce},
        {"Flatten", &lower_reshape},
        {"Squeeze", &lower_reshape},
        {"Unsqueeze", &lower_reshape},
        {"Identity", &lower_reshape},
        {"Dropout", &lower_reshape},
        {"LSTM", &lower_recurrent},
        {"GRU", &lower_recurrent},
    };
    auto it = kLowerings.find(node.op_type);
    return it == kLowerings.end() ? nullptr : it->second;
}

}  // namespace pot::cpu
