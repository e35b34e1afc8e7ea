#pragma once

// One entry point per op (or family of ops); reference_ops.cpp maps op types to them.
// Each kernel reads its node's attributes, checks its inputs and sets its outputs.

#include "node_context.hpp"

namespace pot::reference {

// activation.cpp: element-wise unary ops on f32; Identity and Dropout on any type.
void run_unary(NodeContext& ctx);
void run_clip(NodeContext& ctx);
void run_identity(NodeContext& ctx);
void check_unary(const Node& node, int64_t opset);

// binary.cpp: Add, Sub, Mul, Div, Mod, Pow, PRelu with numpy broadcasting.
void run_binary(NodeContext& ctx);

// conv.cpp: Conv and ConvTranspose.
void run_conv(NodeContext& ctx);
void check_conv(const Node& node, int64_t opset);
void run_conv_transpose(NodeContext& ctx);
void check_conv_transpose(const Node& node, int64_t opset);

// recurrent.cpp: LSTM and GRU.
void run_lstm(NodeContext& ctx);
void run_gru(NodeContext& ctx);
void check_recurrent(const Node& node, int64_t opset);

// logical.cpp: comparisons (any numeric type in, bool out), And / Or / Xor / Not on bool, Where.
void run_compare(NodeContext& ctx);
void run_logical(NodeContext& ctx);
void run_where(NodeContext& ctx);

// matmul.cpp
void run_gemm(NodeContext& ctx);
void run_matmul(NodeContext& ctx);

// pooling.cpp
void run_max_pool(NodeContext& ctx);
void run_average_pool(NodeContext& ctx);
void run_global_average_pool(NodeContext& ctx);
void check_pool(const Node& node, int64_t opset);

// softmax.cpp: Softmax and LogSoftmax.
void run_softmax(NodeContext& ctx);

// normalization.cpp
void run_batch_normalization(NodeContext& ctx);
void run_layer_normalization(NodeContext& ctx);
void check_batch_normalization(const Node& node, int64_t opset);

// reduce.cpp
void run_reduce_mean(NodeContext& ctx);
void run_reduce_sum(NodeContext& ctx);
void run_reduce_max(NodeContext& ctx);
void run_reduce_min(NodeContext& ctx);

// shape_ops.cpp: ops that only change the shape, not the data.
void run_reshape(NodeContext& ctx);
void run_flatten(NodeContext& ctx);
void run_squeeze(NodeContext& ctx);
void run_unsqueeze(NodeContext& ctx);
void run_shape(NodeContext& ctx);

// data_movement.cpp
void run_concat(NodeContext& ctx);
void run_split(NodeContext& ctx);
void run_transpose(NodeContext& ctx);
void run_expand(NodeContext& ctx);
void run_tile(NodeContext& ctx);

// slice.cpp, gather.cpp, pad.cpp, resize.cpp
void run_slice(NodeContext& ctx);
void run_gather(NodeContext& ctx);
void run_scatter_nd(NodeContext& ctx);
void run_pad(NodeContext& ctx);
void check_pad(const Node& node, int64_t opset);
void run_resize(NodeContext& ctx);
void check_resize(const Node& node, int64_t opset);

// constant.cpp: Constant, ConstantOfShape, Cast and Range.
void run_range(NodeContext& ctx);
void run_constant(NodeContext& ctx);
void run_constant_of_shape(NodeContext& ctx);
void check_constant(const Node& node, int64_t opset);
void run_cast(NodeContext& ctx);
void check_cast(const Node& node, int64_t opset);

// quantize.cpp
void run_fake_quantize(NodeContext& ctx);
void run_quantize_linear(NodeContext& ctx);
void run_dequantize_linear(NodeContext& ctx);

}  // namespace pot::reference
