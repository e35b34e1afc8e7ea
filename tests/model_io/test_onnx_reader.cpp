#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "model_builders.hpp"
#include "onnx_proto_builders.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"
#include "temp_dir.hpp"

namespace {

using pot::DType;
using pot::Error;
using pot::ErrorKind;
using pot::core::load_onnx;
using namespace pot::test::onnx_proto;

TEST(OnnxReader, MissingFileIsAnInputErrorNamingTheFile) {
    pot::test::TempDir dir;
    const auto file = dir / "absent.onnx";
    expect_input_error([&] { load_onnx(file); }, {file.string(), "no such file"});
}

TEST(OnnxReader, FolderInsteadOfFileIsAnInputError) {
    pot::test::TempDir dir;
    expect_input_error([&] { load_onnx(dir.path()); }, {dir.path().string(), "not a regular file"});
}

TEST(OnnxReader, RandomBytesAreAnInputErrorNotACrash) {
    pot::test::TempDir dir;
    const auto file = dir / "garbage.onnx";
    std::mt19937 rng(42);
    for (size_t size : {1u, 7u, 100u, 4096u, 65536u}) {
        std::string bytes(size, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
        write_bytes(file, bytes);
        expect_input_error([&] { load_onnx(file); }, {file.string()});
    }
}

TEST(OnnxReader, EmptyFileIsAnInputError) {
    pot::test::TempDir dir;
    const auto file = dir / "empty.onnx";
    write_bytes(file, "");
    expect_input_error([&] { load_onnx(file); }, {file.string(), "empty"});
}

TEST(OnnxReader, EveryTruncationOfAValidModelIsAnInputError) {
    pot::test::TempDir dir;
    pot::test::ConvReluSpec spec;
    const std::string bytes = pot::core::serialize_onnx(pot::test::conv_relu_graph(spec));
    const auto file = dir / "truncated.onnx";
    for (size_t size = 0; size < bytes.size(); size += 1 + size / 16) {
        write_bytes(file, bytes.substr(0, size));
        expect_input_error([&] { load_onnx(file); }, {file.string()});
    }
}

TEST(OnnxReader, CheckerFailureIsAnInputErrorNamingTheFile) {
    pot::test::TempDir dir;
    auto m = relu_model();
    m.mutable_graph()->mutable_node(0)->set_op_type("NoSuchOp");
    const auto file = dir / "bad_op.onnx";
    write_bytes(file, serialized(m));
    expect_input_error([&] { load_onnx(file); }, {file.string(), "checker", "NoSuchOp"});
}

// libonnx 1.12's Conv shape inference reads past the input's dimensions here and crashes; the
// reader must report the file instead.
TEST(OnnxReader, ConvWhoseInputRankDisagreesWithItsKernelIsAnInputErrorNotACrash) {
    auto m = empty_model();
    auto* g = m.mutable_graph();
    add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 2});
    add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, 3, 4, 4});
    set_floats(g->add_initializer(), "w", {3, 2, 1, 1}, std::vector<float>(6, 0.5f));
    add_node(g, "Conv", {"x", "w"}, {"y"}, "conv");
    expect_input_error([&] { pot::core::parse_onnx(serialized(m), "bad_conv.onnx"); }, {"bad_conv.onnx"});
}

// The checker runs in pot-onnx-check, a program of its own ($POT_ONNX_CHECK overrides where it
// is): whatever ends that program early is the file's fault, reported as such; a program that
// cannot be started leaves the check to a forked child, with the same results.
class OnnxCheckerProgram : public testing::Test {
protected:
    void TearDown() override { unsetenv("POT_ONNX_CHECK"); }
    void use_program(const std::string& script) {
        const auto file = dir_ / "checker.sh";
        write_bytes(file, "#!/bin/sh\n" + script + "\n");
        std::filesystem::permissions(file, std::filesystem::perms::owner_all);
        setenv("POT_ONNX_CHECK", file.c_str(), 1);
    }
    pot::test::TempDir dir_;
};

TEST_F(OnnxCheckerProgram, ACrashOfTheCheckerIsAnInputErrorNamingTheFile) {
    use_program("kill -SEGV $$");
    expect_input_error([&] { pot::core::parse_onnx(serialized(relu_model()), "m.onnx"); }, {"m.onnx", "crashed"});
}

TEST_F(OnnxCheckerProgram, AFailureOfTheCheckerIsAnInputErrorNamingTheFile) {
    use_program("exit 7");
    expect_input_error([&] { pot::core::parse_onnx(serialized(relu_model()), "m.onnx"); },
                       {"m.onnx", "exit status 7"});
}

TEST_F(OnnxCheckerProgram, AProgramThatCannotStartLeavesTheCheckToAChildProcess) {
    setenv("POT_ONNX_CHECK", (dir_ / "missing").c_str(), 1);
    EXPECT_NO_THROW(pot::core::parse_onnx(serialized(relu_model()), "m.onnx"));
    auto bad = relu_model();
    bad.mutable_graph()->mutable_node(0)->set_op_type("NoSuchOp");
    expect_input_error([&] { pot::core::parse_onnx(serialized(bad), "m.onnx"); }, {"m.onnx", "checker", "NoSuchOp"});
}

TEST(OnnxReader, ExternalDataIsRejectedWithAClearMessage) {
    pot::test::TempDir dir;
    auto m = relu_model();
    auto* w = m.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(4);
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* entry = w->add_external_data();
    entry->set_key("location");
    entry->set_value("weights.bin");
    const auto file = dir / "external.onnx";
    write_bytes(file, serialized(m));
    expect_input_error([&] { load_onnx(file); }, {file.string(), "'w'", "external"});
}

TEST(OnnxReader, UnsupportedInitializerTypeIsAnInputErrorNamingTheTensor) {
    pot::test::TempDir dir;
    auto m = relu_model();
    auto* g = m.mutable_graph();
    auto* w = g->add_initializer();
    w->set_name("bias64");
    w->set_data_type(onnx::TensorProto::DOUBLE);
    w->add_dims(4);
    for (int i = 0; i < 4; ++i) w->add_double_data(i);
    const auto file = dir / "double.onnx";
    write_bytes(file, serialized(m));
    expect_input_error([&] { load_onnx(file); }, {file.string(), "bias64", "DOUBLE"});
}

TEST(OnnxReader, TensorWhoseDataDoesNotMatchItsShapeIsAnInputError) {
    pot::test::TempDir dir;
    auto m = relu_model();
    auto* g = m.mutable_graph();
    set_floats(g->add_initializer(), "short", {2, 3}, {1, 2, 3});
    add_node(g, "Add", {"y", "short"}, {"z"}, "add");
    const auto file = dir / "short.onnx";
    write_bytes(file, serialized(m));
    expect_input_error([&] { load_onnx(file); }, {file.string(), "short"});
}

TEST(OnnxReader, SymbolicDimensionsBecomeMinusOneAndShapesAreInferred) {
    auto m = relu_model();
    auto* g = m.mutable_graph();
    g->mutable_output(0)->set_name("z");
    g->mutable_node(0)->set_output(0, "mid");
    add_node(g, "Neg", {"mid"}, {"z"}, "neg");
    const auto graph = pot::core::parse_onnx(serialized(m), "memory");
    ASSERT_EQ(graph.inputs.size(), 1u);
    EXPECT_EQ(graph.inputs[0].shape, (pot::Shape{-1, 4}));
    ASSERT_TRUE(graph.value_info.count("mid"));
    EXPECT_EQ(graph.value_info.at("mid").shape, (pot::Shape{-1, 4}));
    EXPECT_EQ(graph.value_info.at("mid").dtype, DType::F32);
    EXPECT_EQ(graph.opset, 13);
}

TEST(OnnxReader, ConstantNodesBecomeInitializers) {
    auto m = relu_model();
    auto* g = m.mutable_graph();
    auto* c1 = add_node(g, "Constant", {}, {"shift"}, "c1");
    auto* attr = c1->add_attribute();
    attr->set_name("value");
    attr->set_type(onnx::AttributeProto::TENSOR);
    set_floats(attr->mutable_t(), "", {4}, {1, 2, 3, 4});
    auto* c2 = add_node(g, "Constant", {}, {"axes"});
    auto* ints = c2->add_attribute();
    ints->set_name("value_ints");
    ints->set_type(onnx::AttributeProto::INTS);
    ints->add_ints(0);
    ints->add_ints(1);
    auto* c3 = add_node(g, "Constant", {}, {"half"});
    auto* f = c3->add_attribute();
    f->set_name("value_float");
    f->set_type(onnx::AttributeProto::FLOAT);
    f->set_f(0.5f);
    g->mutable_node(0)->set_output(0, "r");
    add_node(g, "Add", {"r", "shift"}, {"s"}, "add");
    add_node(g, "Mul", {"s", "half"}, {"t"}, "mul");
    add_node(g, "ReduceSum", {"t", "axes"}, {"y"}, "sum");
    g->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(1);

    const auto graph = pot::core::parse_onnx(serialized(m), "memory");
    EXPECT_EQ(pot::test::op_types(graph), (std::vector<std::string>{"Relu", "Add", "Mul", "ReduceSum"}));
    ASSERT_TRUE(graph.is_constant("shift"));
    EXPECT_EQ(graph.constant("shift").to_floats(), (std::vector<float>{1, 2, 3, 4}));
    ASSERT_TRUE(graph.is_constant("axes"));
    EXPECT_EQ(graph.constant("axes").dtype(), DType::I64);
    EXPECT_EQ(graph.constant("axes").to_ints(), (std::vector<int64_t>{0, 1}));
    ASSERT_TRUE(graph.is_constant("half"));
    EXPECT_EQ(graph.constant("half").shape(), pot::Shape{});
    EXPECT_EQ(graph.constant("half").to_floats(), std::vector<float>{0.5f});
}

TEST(OnnxReader, UnnamedNodesGetOpTypeAndIndexAndDuplicatesAreMadeUnique) {
    auto m = relu_model();
    auto* g = m.mutable_graph();
    g->mutable_node(0)->clear_name();
    g->mutable_node(0)->set_output(0, "a");
    add_node(g, "Neg", {"a"}, {"b"}, "dup");
    add_node(g, "Neg", {"b"}, {"y"}, "dup");
    const auto graph = pot::core::parse_onnx(serialized(m), "memory");
    ASSERT_EQ(graph.nodes.size(), 3u);
    EXPECT_EQ(graph.nodes[0].name, "Relu_0");
    EXPECT_EQ(graph.nodes[1].name, "dup");
    EXPECT_EQ(graph.nodes[2].name, "dup_1");
}

TEST(OnnxReader, RawDataAndTypedFieldsBothLoad) {
    auto m = relu_model();
    auto* g = m.mutable_graph();
    set_floats(g->add_initializer(), "typed", {4}, {1, 2, 3, 4});
    auto* raw = g->add_initializer();
    raw->set_name("raw");
    raw->set_data_type(onnx::TensorProto::INT8);
    raw->add_dims(3);
    raw->set_raw_data(std::string{"\x01\xff\x7f", 3});
    auto* i64 = g->add_initializer();
    i64->set_name("i64");
    i64->set_data_type(onnx::TensorProto::INT64);
    i64->add_dims(2);
    i64->add_int64_data(-5);
    i64->add_int64_data(int64_t{1} << 40);
    const auto graph = pot::core::parse_onnx(serialized(m), "memory");
    EXPECT_EQ(graph.constant("typed").to_floats(), (std::vector<float>{1, 2, 3, 4}));
    EXPECT_EQ(graph.constant("raw").dtype(), DType::I8);
    EXPECT_EQ(graph.constant("raw").to_ints(), (std::vector<int64_t>{1, -1, 127}));
    EXPECT_EQ(graph.constant("i64").to_ints(), (std::vector<int64_t>{-5, int64_t{1} << 40}));
}

TEST(OnnxReader, SubgraphAttributesAreAnInputErrorNamingTheNode) {
    auto m = relu_model();
    auto* g = m.mutable_graph();
    g->mutable_node(0)->set_output(0, "r");
    auto* reduce = add_node(g, "ReduceMax", {"r"}, {"m"}, "max");
    auto* keep = reduce->add_attribute();
    keep->set_name("keepdims");
    keep->set_type(onnx::AttributeProto::INT);
    keep->set_i(0);
    auto* cast = add_node(g, "Cast", {"m"}, {"cond"}, "to_bool");
    auto* to = cast->add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(onnx::TensorProto::BOOL);
    auto* branch_node = add_node(g, "If", {"cond"}, {"y"}, "choose");
    for (const char* key : {"then_branch", "else_branch"}) {
        auto* attr = branch_node->add_attribute();
        attr->set_name(key);
        attr->set_type(onnx::AttributeProto::GRAPH);
        auto* sub = attr->mutable_g();
        sub->set_name(key);
        add_node(sub, key[0] == 't' ? "Identity" : "Neg", {"r"}, {std::string(key) + "_out"});
        add_value(sub->add_output(), std::string(key) + "_out", onnx::TensorProto::FLOAT, {1, 4}, "batch");
    }
    expect_input_error([&] { pot::core::parse_onnx(serialized(m), "memory"); },
                       {"memory", "If 'choose'", "then_branch", "control-flow"});
}

// A file written by another tool: QuantizeLinear -> DequantizeLinear on the input, a per-channel
// int8 weight read through DequantizeLinear, and an int32 bias.
TEST(OnnxReader, ForeignQdqModelImportsAsFakeQuantizeNodes) {
    auto m = empty_model(13);
    auto* g = m.mutable_graph();
    add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 2, 3, 3});
    add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, 2, 3, 3});
    set_floats(g->add_initializer(), "x_scale", {}, {0.5f});
    auto* x_zero = g->add_initializer();
    x_zero->set_name("x_zero");
    x_zero->set_data_type(onnx::TensorProto::UINT8);
    x_zero->add_int32_data(10);
    auto* w = g->add_initializer();
    w->set_name("w_q");
    w->set_data_type(onnx::TensorProto::INT8);
    for (int64_t d : {2, 2, 1, 1}) w->add_dims(d);
    w->set_raw_data(std::string{"\x02\xfe\x01\x03", 4});
    set_floats(g->add_initializer(), "w_scale", {2}, {0.25f, 0.125f});
    auto* w_zero = g->add_initializer();
    w_zero->set_name("w_zero");
    w_zero->set_data_type(onnx::TensorProto::INT8);
    w_zero->add_dims(2);
    w_zero->add_int32_data(0);
    w_zero->add_int32_data(0);
    auto* b = g->add_initializer();
    b->set_name("b_q");
    b->set_data_type(onnx::TensorProto::INT32);
    b->add_dims(2);
    b->add_int32_data(8);
    b->add_int32_data(-16);
    set_floats(g->add_initializer(), "b_scale", {2}, {0.125f, 0.0625f});
    add_node(g, "QuantizeLinear", {"x", "x_scale", "x_zero"}, {"x_q"}, "q");
    add_node(g, "DequantizeLinear", {"x_q", "x_scale", "x_zero"}, {"x_dq"}, "dq");
    auto* wdq = add_node(g, "DequantizeLinear", {"w_q", "w_scale", "w_zero"}, {"w_dq"}, "w_dq_node");
    auto* axis = wdq->add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(0);
    auto* bdq = add_node(g, "DequantizeLinear", {"b_q", "b_scale"}, {"b_dq"}, "b_dq_node");
    bdq->add_attribute()->CopyFrom(*axis);
    add_node(g, "Conv", {"x_dq", "w_dq", "b_dq"}, {"y"}, "conv");

    const auto graph = pot::core::parse_onnx(serialized(m), "memory");
    EXPECT_EQ(pot::test::op_types(graph), (std::vector<std::string>{"FakeQuantize", "FakeQuantize", "Conv"}));
    const auto& act = pot::test::node_named(graph, "dq");
    EXPECT_EQ(act.inputs[0], "x");
    EXPECT_EQ(act.outputs[0], "x_dq");
    const auto act_params = pot::read_fake_quantize(graph, act);
    EXPECT_EQ(act_params.levels, 256);
    EXPECT_FLOAT_EQ(act_params.input_low[0], -10 * 0.5f);
    EXPECT_FLOAT_EQ(act_params.input_high[0], 245 * 0.5f);

    const auto& weight = pot::test::node_named(graph, "w_dq_node");
    ASSERT_TRUE(graph.is_constant(weight.inputs[0]));
    EXPECT_EQ(graph.constant(weight.inputs[0]).to_floats(), (std::vector<float>{0.5f, -0.5f, 0.125f, 0.375f}));
    const auto w_params = pot::read_fake_quantize(graph, weight);
    EXPECT_EQ(w_params.axis, 0);
    EXPECT_EQ(w_params.input_low, (std::vector<float>{-128 * 0.25f, -128 * 0.125f}));
    EXPECT_EQ(w_params.input_high, (std::vector<float>{127 * 0.25f, 127 * 0.125f}));
    EXPECT_EQ(graph.constant(weight.inputs[1]).shape(), (pot::Shape{2, 1, 1, 1}));

    ASSERT_TRUE(graph.is_constant("b_dq"));
    EXPECT_EQ(graph.constant("b_dq").to_floats(), (std::vector<float>{1.0f, -1.0f}));
    for (const char* gone : {"x_scale", "x_zero", "w_scale", "w_zero", "b_q", "b_scale"})
        EXPECT_FALSE(graph.is_constant(gone)) << gone;
}

}  // namespace
