#pragma once

// Hand-built ONNX protobufs for reader and import-validation tests: models the project's own
// writer would never produce.

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pot/error.hpp"

namespace pot::test::onnx_proto {

inline void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline void add_value(onnx::ValueInfoProto* v, const std::string& name, int32_t type,
               const std::vector<int64_t>& dims, const std::string& dynamic_first = "") {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto* shape = t->mutable_shape();
    for (size_t i = 0; i < dims.size(); ++i) {
        auto* d = shape->add_dim();
        if (i == 0 && !dynamic_first.empty()) d->set_dim_param(dynamic_first);
        else d->set_dim_value(dims[i]);
    }
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> inputs,
                          std::vector<std::string> outputs, const std::string& name = "") {
    auto* n = g->add_node();
    n->set_op_type(op);
    if (!name.empty()) n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return n;
}

inline void set_floats(onnx::TensorProto* t, const std::string& name, std::vector<int64_t> dims,
                const std::vector<float>& values) {
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
}

inline onnx::ModelProto empty_model(int64_t opset = 13) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    m.mutable_graph()->set_name("test");
    return m;
}

/// x[N,4] -> Relu -> y, with a symbolic batch dimension.
inline onnx::ModelProto relu_model() {
    auto m = empty_model();
    auto* g = m.mutable_graph();
    add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 4}, "batch");
    add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, 4}, "batch");
    add_node(g, "Relu", {"x"}, {"y"}, "relu");
    return m;
}

inline std::string serialized(const onnx::ModelProto& m) {
    std::string bytes;
    m.SerializeToString(&bytes);
    return bytes;
}

/// Runs `fn`, expecting a pot::Error of kind Input whose message contains every part of `parts`.
template <typename Fn>
void expect_input_error(Fn fn, const std::vector<std::string>& parts) {
    try {
        fn();
        ADD_FAILURE() << "no error thrown";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input) << e.what();
        for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
                                           << "message '" << e.what() << "' lacks '" << part << "'";
    }
}

}  // namespace pot::test::onnx_proto
