// Models the ONNX checker accepts but no engine may run: import refuses each one, naming the
// node, value or attribute at fault.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

#include "onnx_proto_builders.hpp"
#include "pot/core/model_io.hpp"

namespace {

using namespace pot::test::onnx_proto;

struct ConvSpec {
    int64_t opset = 13;
    int64_t out_channels = 4;
    int64_t bias_length = 4;
    std::vector<int64_t> kernel = {3, 3};
    float weight_value = 0.25f;
};

/// x[1,3,8,8] -> Conv 'conv' (weight 'w', bias 'b') -> Relu 'relu' -> y.
onnx::ModelProto conv_model(const ConvSpec& spec = {}) {
    auto m = empty_model(spec.opset);
    auto* g = m.mutable_graph();
    add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 3, 8, 8});
    add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, spec.out_channels, 6, 6});
    std::vector<int64_t> w_dims = {spec.out_channels, 3};
    w_dims.insert(w_dims.end(), spec.kernel.begin(), spec.kernel.end());
    int64_t w_count = 1;
    for (int64_t d : w_dims) w_count *= d;
    set_floats(g->add_initializer(), "w", w_dims,
               std::vector<float>(static_cast<size_t>(w_count), spec.weight_value));
    set_floats(g->add_initializer(), "b", {spec.bias_length},
               std::vector<float>(static_cast<size_t>(spec.bias_length), 0.0f));
    add_node(g, "Conv", {"x", "w", "b"}, {"c"}, "conv");
    add_node(g, "Relu", {"c"}, {"y"}, "relu");
    return m;
}

void expect_refused(const onnx::ModelProto& m, const std::vector<std::string>& parts) {
    expect_input_error([&] { pot::core::parse_onnx(serialized(m), "crafted.onnx"); }, parts);
}

TEST(ImportValidation, WellFormedConvModelLoads) {
    EXPECT_NO_THROW(pot::core::parse_onnx(serialized(conv_model()), "conv.onnx"));
}

// The cpu engine once wrote past such a bias while converting it to accumulator units.
TEST(ImportValidation, ConvBiasShorterThanItsOutputChannelsIsRefused) {
    expect_refused(conv_model({.bias_length = 2}),
                   {"crafted.onnx", "Conv 'conv'", "bias 'b' has 2 values", "4 output channels"});
}

TEST(ImportValidation, OpsetNewerThanTheBuildKnowsIsRefused) {
    expect_refused(conv_model({.opset = 99}), {"opset 99", "re-export"});
}

TEST(ImportValidation, GraphWithoutOutputsIsRefused) {
    auto m = conv_model();
    m.mutable_graph()->clear_output();
    expect_refused(m, {"no outputs"});
}

TEST(ImportValidation, UnknownAutoPadIsRefusedNamingTheNode) {
    auto m = conv_model();
    auto* attr = m.mutable_graph()->mutable_node(0)->add_attribute();
    attr->set_name("auto_pad");
    attr->set_type(onnx::AttributeProto::STRING);
    attr->set_s("JUNK");
    expect_refused(m, {"Conv 'conv'", "auto_pad", "JUNK"});
}

TEST(ImportValidation, NonPositiveStrideIsRefused) {
    auto m = conv_model();
    auto* attr = m.mutable_graph()->mutable_node(0)->add_attribute();
    attr->set_name("strides");
    attr->set_type(onnx::AttributeProto::INTS);
    attr->add_ints(0);
    attr->add_ints(1);
    expect_refused(m, {"Conv 'conv'", "strides"});
}

TEST(ImportValidation, MaxPoolWithZeroKernelIsRefused) {
    auto m = empty_model();
    auto* g = m.mutable_graph();
    add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 3, 8, 8});
    add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, 3, 8, 8});
    auto* pool = add_node(g, "MaxPool", {"x"}, {"y"}, "pool");
    auto* attr = pool->add_attribute();
    attr->set_name("kernel_shape");
    attr->set_type(onnx::AttributeProto::INTS);
    attr->add_ints(0);
    attr->add_ints(0);
    expect_refused(m, {"crafted.onnx"});
}

TEST(ImportValidation, InfiniteWeightIsRefusedNamingTheNode) {
    expect_refused(conv_model({.weight_value = std::numeric_limits<float>::infinity()}),
                   {"Conv 'conv'", "'w'", "finite"});
}

TEST(ImportValidation, NanWeightIsRefused) {
    expect_refused(conv_model({.weight_value = std::nanf("")}), {"Conv 'conv'", "finite"});
}

TEST(ImportValidation, NodeReadingAValueComputedLaterIsRefused) {
    auto m = conv_model();
    // Relu first: it reads 'c' before the Conv computes it.
    m.mutable_graph()->mutable_node()->SwapElements(0, 1);
    expect_refused(m, {"crafted.onnx"});
}

TEST(ImportValidation, ConvInputChannelsMustMatchTheWeight) {
    auto m = conv_model();
    auto* dims = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    dims->mutable_dim(1)->set_dim_value(5);
    expect_refused(m, {"crafted.onnx"});
}

}  // namespace
