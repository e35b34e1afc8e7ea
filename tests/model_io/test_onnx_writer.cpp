#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>

#include "model_builders.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "temp_dir.hpp"

namespace {

using pot::DType;
using pot::FakeQuantizeParams;
using pot::FakeQuantizeSite;
using pot::Graph;
using pot::test::conv_relu_graph;
using pot::test::ConvReluSpec;
using pot::test::fake_quantize_params;
using pot::test::node_named;
using pot::test::op_types;

/// conv_relu_graph with FakeQuantize on the input (u8, zero point 128), per-channel narrow-range
/// int8 on the weight (axis 0), and on the output y (u8, zero point 0).
Graph quantized_conv_relu(const ConvReluSpec& spec, const FakeQuantizeParams& input_fq,
                          const FakeQuantizeParams& weight_fq, const FakeQuantizeParams& output_fq) {
    Graph g = conv_relu_graph(spec);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0}, input_fq, 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"conv.weight", std::string("conv"), 1}, weight_fq, 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"y", std::nullopt, 0}, output_fq, 4);
    return g;
}

Graph default_quantized_graph() {
    ConvReluSpec spec;
    return quantized_conv_relu(spec, fake_quantize_params(DType::U8, {0.02f}, {128}),
                               fake_quantize_params(DType::I8, {0.01f, 0.008f, 0.012f}, {0, 0, 0}, 0, 255),
                               fake_quantize_params(DType::U8, {0.03f}, {0}));
}

std::vector<std::string> fake_quantize_names(const Graph& g) {
    std::vector<std::string> names;
    for (const auto& n : g.nodes)
        if (pot::is_fake_quantize(n)) names.push_back(n.name);
    return names;
}

TEST(OnnxWriter, FloatModelRoundTripsToTheSameGraph) {
    pot::test::TempDir dir;
    const Graph original = conv_relu_graph({});
    pot::core::save_onnx(original, dir / "a.onnx");
    const Graph first = pot::core::load_onnx(dir / "a.onnx");
    pot::test::expect_same_graph(original, first, 0.0f);
    pot::core::save_onnx(first, dir / "b.onnx");
    const Graph second = pot::core::load_onnx(dir / "b.onnx");
    pot::test::expect_same_graph(first, second, 0.0f);
    EXPECT_EQ(second.value_info.at("conv_out").shape, (pot::Shape{1, 3, 5, 5}));
}

TEST(OnnxWriter, AttributesOfEveryKindRoundTrip) {
    Graph g = conv_relu_graph({});
    auto& relu = g.nodes[1];
    relu.op_type = "Custom";
    relu.domain = "com.example";
    relu.attributes["i"] = int64_t{-3};
    relu.attributes["f"] = 0.25f;
    relu.attributes["s"] = std::string("text");
    relu.attributes["ints"] = std::vector<int64_t>{1, -2};
    relu.attributes["floats"] = std::vector<float>{0.5f, 1.5f};
    relu.attributes["strings"] = std::vector<std::string>{"a", "b"};
    relu.attributes["t"] = pot::Tensor::from_vector<int64_t>({2}, {7, 8});
    const Graph loaded = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    pot::test::expect_same_graph(g, loaded, 0.0f);
}

TEST(OnnxWriter, QuantizedModelRoundTripsToTheSameGraph) {
    pot::test::TempDir dir;
    pot::core::save_onnx(default_quantized_graph(), dir / "a.onnx");
    const Graph first = pot::core::load_onnx(dir / "a.onnx");
    pot::core::save_onnx(first, dir / "b.onnx");
    const Graph second = pot::core::load_onnx(dir / "b.onnx");
    pot::test::expect_same_graph(first, second, 1e-6f);
}

TEST(OnnxWriter, QdqExportThenImportGivesTheSameFakeQuantizeGraph) {
    const Graph original = default_quantized_graph();
    const Graph loaded = pot::core::parse_onnx(pot::core::serialize_onnx(original), "memory");
    EXPECT_EQ(op_types(loaded), op_types(original));
    ASSERT_EQ(fake_quantize_names(loaded), fake_quantize_names(original));
    for (const auto& name : fake_quantize_names(original)) {
        const auto& a = node_named(original, name);
        const auto& b = node_named(loaded, name);
        EXPECT_EQ(a.inputs, b.inputs) << name;
        EXPECT_EQ(a.outputs, b.outputs) << name;
        const auto pa = pot::read_fake_quantize(original, a);
        const auto pb = pot::read_fake_quantize(loaded, b);
        EXPECT_EQ(pa.levels, pb.levels) << name;
        EXPECT_EQ(pa.axis, pb.axis) << name;
        ASSERT_EQ(pa.channels(), pb.channels()) << name;
        for (size_t c = 0; c < pa.channels(); ++c) {
            EXPECT_NEAR(pa.input_low[c], pb.input_low[c], 1e-6f * std::fabs(pa.input_low[c]) + 1e-9f);
            EXPECT_NEAR(pa.input_high[c], pb.input_high[c], 1e-6f * std::fabs(pa.input_high[c]) + 1e-9f);
            EXPECT_NEAR(pa.output_low[c], pb.output_low[c], 1e-6f * std::fabs(pa.output_low[c]) + 1e-9f);
            EXPECT_NEAR(pa.output_high[c], pb.output_high[c], 1e-6f * std::fabs(pa.output_high[c]) + 1e-9f);
        }
        for (size_t i = 1; i < 5; ++i)
            EXPECT_EQ(original.constant(a.inputs[i]).shape(), loaded.constant(b.inputs[i]).shape()) << name;
    }
    // The weight comes back as the values FakeQuantize gives it, under its own name.
    const auto& wfq = original.nodes[*original.consumers("conv.weight").begin()];
    ASSERT_TRUE(pot::is_fake_quantize(wfq));
    const auto expected = pot::test::apply_fake_quantize(original.constant("conv.weight"),
                                                         pot::read_fake_quantize(original, wfq));
    EXPECT_LE(pot::test::max_abs_diff(expected, loaded.constant("conv.weight")), 1e-7f);
}

const onnx::TensorProto& initializer(const onnx::ModelProto& m, const std::string& name) {
    for (const auto& t : m.graph().initializer())
        if (t.name() == name) return t;
    throw std::runtime_error("no initializer '" + name + "'");
}

int64_t int_attr(const onnx::NodeProto& n, const std::string& key) {
    for (const auto& a : n.attribute())
        if (a.name() == key) return a.i();
    throw std::runtime_error("no attribute '" + key + "' on " + n.name());
}

TEST(OnnxWriter, QdqLayoutStoresInt8WeightsAndQuantizesActivationsWithQdqPairs) {
    onnx::ModelProto m;
    ASSERT_TRUE(m.ParseFromString(pot::core::serialize_onnx(default_quantized_graph())));
    ASSERT_EQ(m.opset_import_size(), 1);
    EXPECT_EQ(m.opset_import(0).domain(), "");
    EXPECT_EQ(m.opset_import(0).version(), 13);
    const auto& g = m.graph();
    std::vector<std::string> ops;
    for (const auto& n : g.node()) ops.push_back(n.op_type());
    ASSERT_EQ(ops, (std::vector<std::string>{"DequantizeLinear", "QuantizeLinear", "DequantizeLinear",
                                             "DequantizeLinear", "Conv", "Relu", "QuantizeLinear",
                                             "DequantizeLinear"}));
    ASSERT_EQ(g.input_size(), 1);
    EXPECT_EQ(g.input(0).name(), "x");
    ASSERT_EQ(g.output_size(), 1);
    EXPECT_EQ(g.output(0).name(), "y");

    // Weight: int8 codes under the weight's own name, read by a per-channel DequantizeLinear only.
    const auto& w_dq = g.node(0);
    EXPECT_EQ(w_dq.input(0), "conv.weight");
    const auto& w = initializer(m, "conv.weight");
    EXPECT_EQ(w.data_type(), onnx::TensorProto::INT8);
    EXPECT_EQ(w.raw_data().size(), 3u * 2 * 3 * 3);
    EXPECT_EQ(int_attr(w_dq, "axis"), 0);
    const auto& w_scale = initializer(m, w_dq.input(1));
    EXPECT_EQ(w_scale.dims_size(), 1);
    EXPECT_EQ(w_scale.dims(0), 3);
    const auto& w_zero = initializer(m, w_dq.input(2));
    EXPECT_EQ(w_zero.data_type(), onnx::TensorProto::INT8);
    EXPECT_EQ(w_zero.raw_data(), std::string(3, '\0'));
    EXPECT_NE(w_dq.doc_string().find("255"), std::string::npos);
    for (char c : w.raw_data()) EXPECT_NE(static_cast<int8_t>(c), -128) << "narrow range uses [-127, 127]";

    // Activation: QuantizeLinear -> DequantizeLinear with a uint8 per-tensor zero point.
    const auto& x_q = g.node(1);
    const auto& x_dq = g.node(2);
    EXPECT_EQ(x_q.input(0), "x");
    EXPECT_EQ(x_dq.input(0), x_q.output(0));
    EXPECT_EQ(x_q.input(1), x_dq.input(1));
    const auto& x_zero = initializer(m, x_q.input(2));
    EXPECT_EQ(x_zero.data_type(), onnx::TensorProto::UINT8);
    EXPECT_EQ(x_zero.dims_size(), 0);
    EXPECT_EQ(static_cast<uint8_t>(x_zero.raw_data().at(0)), 128);

    // Bias: int32 codes with scale input_scale * weight_scale[c], so the Conv is fusable.
    const auto& b_dq = g.node(3);
    EXPECT_EQ(initializer(m, b_dq.input(0)).data_type(), onnx::TensorProto::INT32);
    EXPECT_EQ(b_dq.output(0), "conv.bias");
    const auto& conv = g.node(4);
    EXPECT_EQ(conv.input(0), x_dq.output(0));
    EXPECT_EQ(conv.input(1), w_dq.output(0));
    EXPECT_EQ(conv.input(2), "conv.bias");

    const auto& y_q = g.node(6);
    const auto& y_dq = g.node(7);
    EXPECT_EQ(y_q.input(0), g.node(5).output(0));
    EXPECT_EQ(y_dq.output(0), "y");
    EXPECT_EQ(initializer(m, y_q.input(2)).data_type(), onnx::TensorProto::UINT8);
    for (const auto& t : g.initializer())
        EXPECT_FALSE(t.data_type() == onnx::TensorProto::FLOAT && t.dims_size() == 4) << t.name() << " is a float weight";
}

TEST(OnnxWriter, QuantizedWeightsMakeTheFileAboutFourTimesSmaller) {
    ConvReluSpec spec{.in_channels = 32, .out_channels = 32, .size = 4, .kernel = 3, .with_bias = true, .seed = 3};
    Graph g = conv_relu_graph(spec);
    const auto float_size = pot::core::serialize_onnx(g).size();
    std::vector<float> scales(32, 0.01f);
    std::vector<int32_t> zeros(32, 0);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0}, fake_quantize_params(DType::U8, {0.02f}, {128}), 4);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"conv.weight", std::string("conv"), 1},
                              fake_quantize_params(DType::I8, scales, zeros, 0, 255), 4);
    const auto int8_size = pot::core::serialize_onnx(g).size();
    EXPECT_LT(static_cast<double>(int8_size), 0.3 * static_cast<double>(float_size))
        << "float " << float_size << " bytes, quantized " << int8_size << " bytes";
}

TEST(OnnxWriter, ActivationWithFewerLevelsGetsAClipAndRoundTrips) {
    ConvReluSpec spec;
    Graph g = conv_relu_graph(spec);
    const auto params = fake_quantize_params(DType::U8, {0.1f}, {8}, -1, 16);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0}, params, 4);
    onnx::ModelProto m;
    const std::string bytes = pot::core::serialize_onnx(g);
    ASSERT_TRUE(m.ParseFromString(bytes));
    EXPECT_EQ(m.graph().node(0).op_type(), "Clip");
    EXPECT_EQ(m.graph().node(1).op_type(), "QuantizeLinear");
    const Graph loaded = pot::core::parse_onnx(bytes, "memory");
    EXPECT_EQ(op_types(loaded), op_types(g));
    const auto back = pot::read_fake_quantize(loaded, loaded.nodes[0]);
    EXPECT_EQ(back.levels, 16);
    EXPECT_NEAR(back.input_low[0], params.input_low[0], 1e-6f);
    EXPECT_NEAR(back.input_high[0], params.input_high[0], 1e-6f);
}

TEST(OnnxWriter, ClipBoundFarOutsideTheCodeTypeStaysAClip) {
    ConvReluSpec spec;
    Graph g = conv_relu_graph(spec);
    pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0},
                              fake_quantize_params(DType::U8, {0.1f}, {8}, -1, 16), 4);
    onnx::ModelProto m;
    ASSERT_TRUE(m.ParseFromString(pot::core::serialize_onnx(g)));
    // Make the upper bound a whole code far beyond int32 (6e33 / 0.1 + 8 codes).
    const std::string hi_name = m.graph().node(0).input(2);
    bool rewritten = false;
    for (auto& init : *m.mutable_graph()->mutable_initializer()) {
        if (init.name() != hi_name) continue;
        init.clear_raw_data();
        init.clear_float_data();
        init.add_float_data(6e32f);
        rewritten = true;
    }
    ASSERT_TRUE(rewritten) << hi_name;
    const Graph loaded = pot::core::parse_onnx(m.SerializeAsString(), "memory");
    const auto types = op_types(loaded);
    EXPECT_NE(std::find(types.begin(), types.end(), "Clip"), types.end());
}

TEST(OnnxWriter, FakeQuantizeWithDifferentOutputRangeFailsNamingTheNode) {
    Graph g = conv_relu_graph({});
    auto params = fake_quantize_params(DType::U8, {0.1f}, {0});
    params.output_high[0] *= 2.0f;
    const auto name = pot::insert_fake_quantize(g, FakeQuantizeSite{"x", std::nullopt, 0}, params, 4);
    try {
        pot::core::serialize_onnx(g);
        ADD_FAILURE() << "no error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
}

TEST(OnnxWriter, SharedWeightKeepsItsFloatCopyForTheOtherReader) {
    Graph g = conv_relu_graph({});
    g.nodes.push_back({"conv2", "Conv", "", {"x", "conv.weight"}, {"z"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}});
    g.outputs.push_back({"z", DType::F32, {1, 3, 5, 5}});
    pot::insert_fake_quantize(g, FakeQuantizeSite{"conv.weight", std::string("conv"), 1},
                              fake_quantize_params(DType::I8, {0.01f}, {0}, -1, 255), 4);
    const Graph loaded = pot::core::parse_onnx(pot::core::serialize_onnx(g), "memory");
    ASSERT_TRUE(loaded.is_constant("conv.weight"));
    EXPECT_EQ(loaded.constant("conv.weight").dtype(), DType::F32);
    EXPECT_EQ(pot::test::max_abs_diff(loaded.constant("conv.weight"), g.constant("conv.weight")), 0.0f);
    const auto& conv2 = node_named(loaded, "conv2");
    EXPECT_EQ(conv2.inputs[1], "conv.weight");
    const auto& conv = node_named(loaded, "conv");
    EXPECT_NE(conv.inputs[1], "conv.weight");
}

}  // namespace
