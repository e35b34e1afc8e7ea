#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <set>

#include "model_io_passes.hpp"
#include "pot/core/atomic_file.hpp"
#include "pot/core/model_io.hpp"
#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::core {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

int32_t onnx_type(DType dtype) {
    switch (dtype) {
        case DType::F32: return onnx::TensorProto::FLOAT;
        case DType::I8: return onnx::TensorProto::INT8;
        case DType::U8: return onnx::TensorProto::UINT8;
        case DType::I32: return onnx::TensorProto::INT32;
        case DType::I64: return onnx::TensorProto::INT64;
        case DType::Bool: return onnx::TensorProto::BOOL;
    }
    return onnx::TensorProto::UNDEFINED;
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
    proto->set_name(name);
    proto->set_data_type(onnx_type(tensor.dtype()));
    for (int64_t d : tensor.shape()) proto->add_dims(d);
    proto->set_raw_data(tensor.raw(), tensor.byte_size());
}

void attribute_to_proto(const std::string& key, const Attribute& value, onnx::AttributeProto* attr) {
    attr->set_name(key);
    std::visit(Overloaded{
                   [&](int64_t v) {
                       attr->set_type(onnx::AttributeProto::INT);
                       attr->set_i(v);
                   },
                   [&](float v) {
                       attr->set_type(onnx::AttributeProto::FLOAT);
                       attr->set_f(v);
                   },
                   [&](const std::string& v) {
                       attr->set_type(onnx::AttributeProto::STRING);
                       attr->set_s(v);
                   },
                   [&](const std::vector<int64_t>& v) {
                       attr->set_type(onnx::AttributeProto::INTS);
                       for (int64_t x : v) attr->add_ints(x);
                   },
                   [&](const std::vector<float>& v) {
                       attr->set_type(onnx::AttributeProto::FLOATS);
                       for (float x : v) attr->add_floats(x);
                   },
                   [&](const std::vector<std::string>& v) {
                       attr->set_type(onnx::AttributeProto::STRINGS);
                       for (const auto& x : v) attr->add_strings(x);
                   },
                   [&](const Tensor& v) {
                       attr->set_type(onnx::AttributeProto::TENSOR);
                       tensor_to_proto(v, "", attr->mutable_t());
                   },
               },
               value);
}

void value_info_to_proto(const ValueInfo& info, onnx::ValueInfoProto* proto) {
    proto->set_name(info.name);
    auto* type = proto->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx_type(info.dtype));
    auto* shape = type->mutable_shape();
    for (int64_t d : info.shape) {
        auto* dim = shape->add_dim();
        if (d >= 0) dim->set_dim_value(d);
    }
}

int64_t domain_version(const std::string& domain) {
    // The IR keeps only the default domain's opset; these are the versions ONNX 1.12 defines.
    return domain == "ai.onnx.ml" ? 3 : 1;
}

bool has_quantization(const Graph& graph) {
    for (const auto& node : graph.nodes)
        if (is_fake_quantize(node) || node.op_type == "QuantizeLinear" ||
            node.op_type == "DequantizeLinear")
            return true;
    return false;
}

onnx::ModelProto model_from_graph(const Graph& graph, const std::map<std::string, int64_t>& doc_levels) {
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("pot");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(graph.opset);
    std::set<std::string> domains;
    for (const auto& node : graph.nodes)
        if (!node.domain.empty() && node.domain != "ai.onnx") domains.insert(node.domain);
    for (const auto& domain : domains) {
        auto* extra = model.add_opset_import();
        extra->set_domain(domain);
        extra->set_version(domain_version(domain));
    }

    auto* proto = model.mutable_graph();
    proto->set_name(graph.name.empty() ? "pot" : graph.name);
    for (const auto& in : graph.inputs) value_info_to_proto(in, proto->add_input());
    for (const auto& out : graph.outputs) {
        const auto shape = graph.shape_of(out.name);
        ValueInfo info = out;
        if (out.shape.empty() && shape) info.shape = *shape;
        // The checker requires a shape on graph outputs; an unknown one is written as recorded.
        value_info_to_proto(info, proto->add_output());
    }
    for (const auto& [name, tensor] : graph.initializers) tensor_to_proto(tensor, name, proto->add_initializer());

    std::set<std::string> io_names;
    for (const auto& v : graph.inputs) io_names.insert(v.name);
    for (const auto& v : graph.outputs) io_names.insert(v.name);
    for (const auto& node : graph.nodes) {
        auto* np = proto->add_node();
        np->set_name(node.name);
        np->set_op_type(node.op_type);
        if (!node.domain.empty()) np->set_domain(node.domain);
        for (const auto& in : node.inputs) np->add_input(in);
        for (const auto& out : node.outputs) np->add_output(out);
        for (const auto& [key, value] : node.attributes) attribute_to_proto(key, value, np->add_attribute());
        if (auto it = doc_levels.find(node.name); it != doc_levels.end())
            np->set_doc_string(str_cat(model_io::kLevelsDocKey, it->second));
        for (const auto& out : node.outputs) {
            auto it = graph.value_info.find(out);
            if (it == graph.value_info.end() || io_names.count(out) || it->second.shape.empty()) continue;
            ValueInfo info = it->second;
            info.name = out;
            value_info_to_proto(info, proto->add_value_info());
        }
    }
    return model;
}
}  // namespace

std::string serialize_onnx(const Graph& graph) {
    Graph lowered = graph;
    if (has_quantization(lowered)) model_io::upgrade_opset(lowered, model_io::kQdqOpset);
    const auto doc_levels = model_io::export_qdq(lowered);
    const onnx::ModelProto model = model_from_graph(lowered, doc_levels);
    try {
        onnx::checker::check_model(model);
        // What onnx.checker.check_model(full_check=True) adds: strict shape and type inference
        // on a copy, so that every written file passes the strictest check its users may run.
        onnx::ModelProto strict = model;
        onnx::shape_inference::InferShapes(strict, onnx::OpSchemaRegistry::Instance(),
                                           onnx::ShapeInferenceOptions(/*check_type=*/true,
                                                                       /*strict_mode=*/1));
    } catch (const std::exception& e) {
        POT_THROW(Runtime, "the exported model fails the strict ONNX checker: ", e.what());
    }
    POT_CHECK(model.ByteSizeLong() <= static_cast<size_t>(INT_MAX), "the model takes ",
              model.ByteSizeLong(), " bytes; ONNX files without external data are limited to 2 GiB");
    std::string bytes;
    POT_CHECK(model.SerializeToString(&bytes), "protobuf serialization of the model failed");
    return bytes;
}

void save_onnx(const Graph& graph, const std::filesystem::path& file) {
    std::string bytes;
    try {
        bytes = serialize_onnx(graph);
    } catch (const Error& e) {
        POT_THROW(Runtime, "cannot save ONNX model '", file.string(), "': ", e.what());
    }
    write_file_atomically(file, bytes);
}

}  // namespace pot::core
