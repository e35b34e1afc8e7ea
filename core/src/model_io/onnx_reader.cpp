#include <onnx/onnx_pb.h>

#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include "graph_validation.hpp"
#include "model_io_passes.hpp"
#include "onnx_validation.hpp"
#include "pot/core/model_io.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace pot::core {

namespace {
// Largest element count a tensor in a file may declare; anything larger is a corrupt header
// (and its data would not fit a protobuf message anyway).
constexpr int64_t kMaxTensorElements = int64_t{1} << 40;

std::optional<DType> dtype_from_onnx(int32_t type) {
    switch (type) {
        case onnx::TensorProto::FLOAT: return DType::F32;
        case onnx::TensorProto::INT8: return DType::I8;
        case onnx::TensorProto::UINT8: return DType::U8;
        case onnx::TensorProto::INT32: return DType::I32;
        case onnx::TensorProto::INT64: return DType::I64;
        case onnx::TensorProto::BOOL: return DType::Bool;
        default: return std::nullopt;
    }
}

std::string onnx_type_name(int32_t type) {
    if (!onnx::TensorProto::DataType_IsValid(type)) return str_cat("unknown (", type, ")");
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(type));
}

DType require_dtype(int32_t type, const std::string& what) {
    auto dtype = dtype_from_onnx(type);
    POT_CHECK_KIND(Input, dtype.has_value(), what, " has element type ", onnx_type_name(type),
                   "; supported are FLOAT, INT8, UINT8, INT32, INT64 and BOOL");
    return *dtype;
}

template <typename T, typename Field>
void copy_typed(const Field& field, Tensor& dst) {
    T* out = dst.data<T>();
    for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
    POT_CHECK_KIND(Input,
                   proto.data_location() != onnx::TensorProto::EXTERNAL &&
                       proto.external_data_size() == 0,
                   what, " stores its data in an external file; external data is not supported: "
                         "save the model with all tensors embedded");
    POT_CHECK_KIND(Input, !proto.has_segment(), what, " is segmented; segmented tensors are not supported");
    const DType dtype = require_dtype(proto.data_type(), what);
    Shape shape;
    int64_t numel = 1;
    for (int64_t d : proto.dims()) {
        POT_CHECK_KIND(Input, d >= 0 && (d == 0 || numel <= kMaxTensorElements / d), what,
                       " has an invalid dimension ", d);
        numel *= d;
        shape.push_back(d);
    }
    const auto expect_count = [&](int64_t have, const char* field) {
        POT_CHECK_KIND(Input, have == numel, what, " of shape ", shape_str(shape), " needs ", numel,
                       " values but its ", field, " holds ", have);
    };
    if (proto.has_raw_data()) {
        const auto bytes = static_cast<int64_t>(proto.raw_data().size());
        const auto elem = static_cast<int64_t>(dtype_size(dtype));
        POT_CHECK_KIND(Input, bytes % elem == 0, what, ": raw_data size ", bytes,
                       " is not a multiple of the element size ", elem);
        expect_count(bytes / elem, "raw_data");
        Tensor t(dtype, shape);
        if (bytes > 0) std::memcpy(t.raw(), proto.raw_data().data(), static_cast<size_t>(bytes));
        if (dtype == DType::Bool) normalize_bools(t);
        return t;
    }
    switch (dtype) {
        case DType::F32: {
            expect_count(proto.float_data_size(), "float_data");
            Tensor t(dtype, shape);
            copy_typed<float>(proto.float_data(), t);
            return t;
        }
        case DType::I64: {
            expect_count(proto.int64_data_size(), "int64_data");
            Tensor t(dtype, shape);
            copy_typed<int64_t>(proto.int64_data(), t);
            return t;
        }
        case DType::I8:
        case DType::U8:
        case DType::I32:
        case DType::Bool: {
            expect_count(proto.int32_data_size(), "int32_data");
            Tensor t(dtype, shape);
            if (dtype == DType::I8) copy_typed<int8_t>(proto.int32_data(), t);
            else if (dtype == DType::U8) copy_typed<uint8_t>(proto.int32_data(), t);
            else if (dtype == DType::Bool) copy_typed<bool>(proto.int32_data(), t);
            else copy_typed<int32_t>(proto.int32_data(), t);
            return t;
        }
    }
    POT_THROW(Input, what, " has an unsupported element type");
}

Attribute attribute_from_proto(const onnx::AttributeProto& attr, const Node& node) {
    const auto what = [&] { return str_cat(node.describe(), ": attribute '", attr.name(), "'"); };
    switch (attr.type()) {
        case onnx::AttributeProto::FLOAT: return attr.f();
        case onnx::AttributeProto::INT: return static_cast<int64_t>(attr.i());
        case onnx::AttributeProto::STRING: return attr.s();
        case onnx::AttributeProto::TENSOR: return tensor_from_proto(attr.t(), what());
        case onnx::AttributeProto::FLOATS:
            return std::vector<float>(attr.floats().begin(), attr.floats().end());
        case onnx::AttributeProto::INTS:
            return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
        case onnx::AttributeProto::STRINGS:
            return std::vector<std::string>(attr.strings().begin(), attr.strings().end());
        case onnx::AttributeProto::GRAPH:
        case onnx::AttributeProto::GRAPHS:
            POT_THROW(Input, what(), " is a subgraph; control-flow ops (If, Loop, Scan) are not supported");
        default:
            POT_THROW(Input, what(), " has type ",
                      onnx::AttributeProto::AttributeType_Name(attr.type()),
                      ", which the IR cannot hold");
    }
}

/// Type and shape of a tensor value; nullopt when it is not a tensor of a supported type or has
/// no shape (a ValueInfo cannot say "unknown rank").
std::optional<ValueInfo> value_info_from_proto(const onnx::ValueInfoProto& proto) {
    if (!proto.type().has_tensor_type()) return std::nullopt;
    const auto& type = proto.type().tensor_type();
    auto dtype = dtype_from_onnx(type.elem_type());
    if (!dtype || !type.has_shape()) return std::nullopt;
    ValueInfo info{proto.name(), *dtype, {}};
    for (const auto& dim : type.shape().dim())
        info.shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value() : -1);
    return info;
}

/// A graph input or output: must be a tensor of a supported type; its shape may be unknown.
ValueInfo io_from_proto(const onnx::ValueInfoProto& proto, const char* role) {
    const std::string what = str_cat("graph ", role, " '", proto.name(), "'");
    POT_CHECK_KIND(Input, proto.type().has_tensor_type(), what, " is not a tensor");
    const auto& type = proto.type().tensor_type();
    ValueInfo info{proto.name(), require_dtype(type.elem_type(), what), {}};
    for (const auto& dim : type.shape().dim())
        info.shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value() : -1);
    return info;
}

Tensor constant_node_value(const onnx::NodeProto& proto, const Node& node) {
    POT_CHECK_KIND(Input, proto.attribute_size() == 1, node.describe(),
                   ": a Constant needs exactly one value attribute");
    const auto& attr = proto.attribute(0);
    const std::string& key = attr.name();
    if (key == "value") {
        POT_CHECK_KIND(Input, attr.has_t(), node.describe(), ": attribute 'value' holds no tensor");
        return tensor_from_proto(attr.t(), node.describe());
    }
    if (key == "value_float") return Tensor::scalar(attr.f());
    if (key == "value_int") return Tensor::from_vector<int64_t>({}, {attr.i()});
    if (key == "value_floats") {
        std::vector<float> v(attr.floats().begin(), attr.floats().end());
        return Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
    }
    if (key == "value_ints") {
        std::vector<int64_t> v(attr.ints().begin(), attr.ints().end());
        return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
    }
    POT_THROW(Input, node.describe(), ": Constant attribute '", key,
              "' is not supported (only numeric tensors)");
}

int64_t default_opset(const onnx::ModelProto& model) {
    for (const auto& op : model.opset_import())
        if (op.domain().empty() || op.domain() == "ai.onnx") return op.version();
    return model_io::kQdqOpset;
}

std::map<std::string, int64_t> parse_levels_docs(const Graph& graph,
                                                 const std::vector<std::string>& docs) {
    std::map<std::string, int64_t> levels;
    const std::string key = model_io::kLevelsDocKey;
    for (size_t i = 0; i < docs.size(); ++i) {
        const auto at = docs[i].find(key);
        if (at == std::string::npos) continue;
        std::istringstream in(docs[i].substr(at + key.size()));
        int64_t value = 0;
        if (in >> value && value >= 2 && value <= 256) levels[graph.nodes[i].name] = value;
    }
    return levels;
}

Graph graph_from_proto(const onnx::ModelProto& model) {
    const auto& proto = model.graph();
    Graph graph;
    graph.name = proto.name();
    graph.opset = default_opset(model);
    for (const auto& init : proto.initializer())
        graph.initializers[init.name()] = tensor_from_proto(init, str_cat("initializer '", init.name(), "'"));
    for (const auto& sparse : proto.sparse_initializer())
        POT_THROW(Input, "sparse initializer '", sparse.values().name(), "' is not supported");
    for (const auto& in : proto.input())
        if (!graph.is_constant(in.name())) graph.inputs.push_back(io_from_proto(in, "input"));
    for (const auto& out : proto.output()) graph.outputs.push_back(io_from_proto(out, "output"));
    for (const auto& vi : proto.value_info())
        if (auto info = value_info_from_proto(vi)) graph.value_info[info->name] = *info;

    std::set<std::string> used_names;
    std::vector<std::string> docs;
    for (int i = 0; i < proto.node_size(); ++i) {
        const auto& np = proto.node(i);
        Node node;
        node.op_type = np.op_type();
        node.domain = np.domain() == "ai.onnx" ? "" : np.domain();
        node.name = np.name().empty() ? str_cat(np.op_type(), "_", i) : np.name();
        for (int k = 1; used_names.count(node.name); ++k)
            node.name = str_cat(np.name().empty() ? str_cat(np.op_type(), "_", i) : np.name(), "_", k);
        used_names.insert(node.name);
        node.inputs.assign(np.input().begin(), np.input().end());
        node.outputs.assign(np.output().begin(), np.output().end());
        if (node.op_type == "Constant" && node.domain.empty() && node.outputs.size() == 1 &&
            !graph.is_output(node.outputs[0])) {
            graph.initializers[node.outputs[0]] = constant_node_value(np, node);
            continue;
        }
        for (const auto& attr : np.attribute())
            node.attributes[attr.name()] = attribute_from_proto(attr, node);
        graph.nodes.push_back(std::move(node));
        docs.push_back(np.doc_string());
    }
    const auto doc_levels = parse_levels_docs(graph, docs);
    model_io::validate_graph(graph);
    model_io::import_qdq(graph, doc_levels);
    return graph;
}

std::string read_file_bytes(const std::filesystem::path& file) {
    // Protobuf parses at most 2 GiB; larger models keep weights in external data.
    return read_file_bounded(file, static_cast<uint64_t>(std::numeric_limits<int>::max()), "ONNX model");
}
}  // namespace

Graph parse_onnx(const std::string& bytes, const std::string& origin) {
    const std::string where = str_cat("ONNX model '", origin, "': ");
    POT_CHECK_KIND(Input, !bytes.empty(), where, "the file is empty");
    POT_CHECK_KIND(Input, bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max()), where,
                   "larger than 2 GiB; such models keep weights in external data, which is not supported");
    onnx::ModelProto model;
    POT_CHECK_KIND(Input, model.ParseFromString(bytes), where,
                   "not a valid ONNX protobuf (corrupt or truncated file?)");
    POT_CHECK_KIND(Input, model.has_graph(), where, "the file holds no graph; is it an ONNX model?");
    for (const auto& init : model.graph().initializer())
        POT_CHECK_KIND(Input,
                       init.data_location() != onnx::TensorProto::EXTERNAL &&
                           init.external_data_size() == 0,
                       where, "initializer '", init.name(),
                       "' stores its data in an external file; external data is not supported: "
                       "save the model with all tensors embedded");
    try {
        model_io::check_and_infer_shapes(model, where);
    } catch (const model_io::OnnxLibraryCrash&) {
        // Malformed attributes (a zero stride, say) crash the library's shape inference; the
        // import checks, run on the shapes the file declares, can usually name the node.
        try {
            graph_from_proto(model);
        } catch (const Error& e) {
            POT_THROW(Input, where, e.what());
        } catch (const std::exception&) {
        }
        throw;
    }
    try {
        return graph_from_proto(model);
    } catch (const Error& e) {
        POT_THROW(Input, where, e.what());
    } catch (const std::exception& e) {
        POT_THROW(Input, where, "cannot convert to the IR: ", e.what());
    }
}

Graph load_onnx(const std::filesystem::path& file) {
    return parse_onnx(read_file_bytes(file), file.string());
}

}  // namespace pot::core
