#pragma once

#include <optional>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "plan_builder.hpp"

namespace pot::cpu {

// Lowerings, one per op family (see find_lowering in lowerings.cpp).
bool lower_conv(PlanBuilder& b, size_t index);
bool lower_conv_transpose(PlanBuilder& b, size_t index);
bool lower_gemm(PlanBuilder& b, size_t index);
bool lower_matmul(PlanBuilder& b, size_t index);
bool lower_pool(PlanBuilder& b, size_t index);
/// Lowers node `index` as the pooling `op_type` says (a ReduceMean over the spatial axes is a
/// GlobalAveragePool); `squeeze_spatial`: a global pooling whose output drops the 1x1 spatial
/// axes ([N, C], ReduceMean's keepdims = 0).
bool lower_pool_as(PlanBuilder& b, size_t index, const std::string& op_type, bool squeeze_spatial);
bool lower_eltwise(PlanBuilder& b, size_t index);
bool lower_binary(PlanBuilder& b, size_t index);
bool lower_softmax(PlanBuilder& b, size_t index);
bool lower_layer_norm(PlanBuilder& b, size_t index);
bool lower_batch_norm(PlanBuilder& b, size_t index);
bool lower_concat(PlanBuilder& b, size_t index);
bool lower_fake_quantize(PlanBuilder& b, size_t index);
bool lower_reshape(PlanBuilder& b, size_t index);
bool lower_transpose(PlanBuilder& b, size_t index);
bool lower_slice(PlanBuilder& b, size_t index);
bool lower_pad(PlanBuilder& b, size_t index);
bool lower_gather(PlanBuilder& b, size_t index);
bool lower_reduce(PlanBuilder& b, size_t index);
bool lower_recurrent(PlanBuilder& b, size_t index);
bool lower_resize(PlanBuilder& b, size_t index);

/// One oneDNN eltwise operation, in real (dequantized) units.
struct EltwiseOp {
    dnnl::algorithm alg;
    float alpha = 0.0f, beta = 0.0f;
};

/// The eltwise operations that compute `node` (Relu, Clip, Sigmoid, HardSwish, ...), or nullopt
/// when the node is not such an op or its parameters are not constants.
std::optional<std::vector<EltwiseOp>> eltwise_ops(const PlanBuilder& b, const Node& node);

/// Op types of one input that eltwise_ops() computes, and so run as post-ops of the op before.
std::vector<std::string> absorbed_activation_types();

/// Nodes after a Conv/MatMul/Gemm that run as its post-ops.
struct Fusion {
    std::vector<size_t> nodes;            ///< fused nodes, in order
    std::vector<EltwiseOp> before_sum;    ///< eltwise ops before the residual sum
    std::optional<std::string> sum_value; ///< residual added by a sum post-op
    std::vector<EltwiseOp> after_sum;
    std::string out_value;                ///< the value the fused group defines
    std::optional<ActQuant> requant;      ///< out_value holds codes of this encoding
    /// INT8 residual sum: the result is first rounded to this grid (the FakeQuantize between the
    /// op and the Add), and sum_value is read as codes of sum_codes from the dst buffer it shares.
    std::optional<ActQuant> pre_sum;
    std::optional<ActQuant> sum_codes;
    dnnl::memory::desc sum_codes_desc;  ///< the form of the residual's codes that is overwritten
};

/// Follows sole consumers of `produced` (shape `dst_dims`) while they fuse; with `allow_requant`
/// a closing per-tensor FakeQuantize becomes the output's encoding, with `allow_sum` a residual
/// Add a sum post-op. With `allow_int8_sum` as well, FakeQuantize -> Add(codes of a residual at
/// its last use) -> activations -> FakeQuantize fuses too, the residual's codes read in place.
Fusion plan_fusion(const PlanBuilder& b, const std::string& produced,
                   const dnnl::memory::dims& dst_dims, bool allow_requant, bool allow_sum,
                   bool allow_int8_sum = false);

/// The dst desc of an INT8 residual sum: the residual's codes layout with data type `type`
/// (the sum post-op reads and overwrites that buffer in place). Empty when not an INT8 sum.
dnnl::memory::desc int8_sum_dst_desc(const Fusion& fusion, dnnl::memory::data_type type);

/// Post-ops (and dst zero point) implementing `fusion` on a real-valued result, after the op's
/// own post-ops `po`.
void apply_fusion(const Fusion& fusion, dnnl::primitive_attr& attr, dnnl::post_ops po = dnnl::post_ops());

/// The dst memory of a fused op: the residual's buffer when it can be overwritten, else a new
/// buffer with the residual copied in. Marks the fused nodes.
dnnl::memory define_fused_dst(PlanBuilder& b, const Fusion& fusion, const dnnl::memory::desc& desc);

/// Describes the fused nodes for describe_plan(), e.g. " +Relu +sum".
std::string fusion_note(const PlanBuilder& b, const Fusion& fusion);

/// Output scales of a Conv / MatMul with `channels` output channels: `alpha` in f32; in int8
/// (`weights` given) alpha * source scale * each channel's weight scale, set on `attr` as
/// per-channel output scales, with a run-time source zero point when the source is asymmetric.
std::vector<float> set_output_scales(dnnl::primitive_attr& attr, int64_t channels, float alpha,
                                     const ActQuant& source, const WeightQuant* weights);

/// Puts a bias in the units oneDNN adds it in: for int8 primitives (oneDNN 2.x) the s32
/// accumulator, before the output scale, so each channel is divided by its output scale.
void bias_to_accumulator_units(Tensor& bias, const std::vector<float>& output_scales);

/// A constant s32 memory holding one zero point (run-time zero-point argument).
dnnl::memory zero_point_memory(const PlanBuilder& b, int32_t zero_point);

/// On x86 without VNNI, oneDNN's int8 convolutions with signed sources multiply pairs of u8 x s8
/// products into saturating 16-bit sums, so their weight reorder halves every code (scale_adjust
/// 0.5) and the kernel doubles the result: one bit of every weight is lost. Codes within
/// [-63, 63] (7-bit weights) survive when given doubled(), with the output scale halved.
bool halves_weights(const dnnl::memory::desc& weights);
/// True when every code of `codes` (I8) is within [-63, 63].
bool fits_doubled(const Tensor& codes);
/// `codes` (I8) times two.
Tensor doubled(const Tensor& codes);

/// True when oneDNN picked its scalar reference implementation ("ref:any", ...) for `pd`.
bool is_reference_impl(const dnnl::primitive_desc_base& pd);

/// Dims of an ONNX attribute list as oneDNN dims.
dnnl::memory::dims to_dims(const std::vector<int64_t>& values);

}  // namespace pot::cpu
