// The QDQ importer on graphs built from the fuzz input: QuantizeLinear, DequantizeLinear and Clip
// nodes (and a few others) wired to graph inputs, constants of any element type, shape and
// content, and each other. Graphs are in topological order and every value has one producer, as
// after the ONNX checker; everything else (types, shapes, axes, parameter sizes, Clip bounds,
// recorded levels) is left to the input.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model_io_passes.hpp"
#include "pot/error.hpp"
#include "pot/graph.hpp"

namespace {

constexpr int kMaxRank = 4;
constexpr int kMaxDim = 4;
constexpr int kMaxConstants = 8;
constexpr int kMaxNodes = 8;

const pot::DType kDTypes[] = {pot::DType::F32, pot::DType::I8, pot::DType::U8, pot::DType::I32,
                              pot::DType::I64};
const char* const kOps[] = {"DequantizeLinear", "QuantizeLinear", "Clip",
                            "Relu",             "Conv",           "Identity"};

pot::Shape pick_shape(FuzzedDataProvider& in, bool dynamic) {
    pot::Shape shape(in.ConsumeIntegralInRange<size_t>(0, kMaxRank));
    for (auto& d : shape) d = in.ConsumeIntegralInRange<int64_t>(dynamic ? -1 : 0, kMaxDim);
    return shape;
}

pot::Tensor pick_tensor(FuzzedDataProvider& in) {
    pot::Tensor t(in.PickValueInArray(kDTypes), pick_shape(in, false));
    const auto bytes = in.ConsumeBytes<uint8_t>(t.byte_size());
    std::copy(bytes.begin(), bytes.end(), static_cast<uint8_t*>(t.raw()));
    return t;
}

std::string pick_value(FuzzedDataProvider& in, const std::vector<std::string>& values) {
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0) return "";  // an omitted optional input
    return values[in.ConsumeIntegralInRange<size_t>(0, values.size() - 1)];
}

pot::Node pick_node(FuzzedDataProvider& in, int index, std::vector<std::string>& values) {
    pot::Node node;
    node.name = "node" + std::to_string(index);
    node.op_type = in.PickValueInArray(kOps);
    node.domain = in.ConsumeBool() ? "" : "ai.onnx";
    const int inputs = in.ConsumeIntegralInRange<int>(1, 3);
    for (int i = 0; i < inputs; ++i) node.inputs.push_back(pick_value(in, values));
    const int outputs = in.ConsumeIntegralInRange<int>(0, 7) == 0 ? 2 : 1;
    for (int i = 0; i < outputs; ++i)
        node.outputs.push_back(node.name + "/out" + std::to_string(i));
    if (in.ConsumeBool()) node.attributes["axis"] = in.ConsumeIntegralInRange<int64_t>(-5, 5);
    for (const char* bound : {"min", "max"})
        if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
            node.attributes[bound] = in.ConsumeFloatingPoint<float>();
    values.insert(values.end(), node.outputs.begin(), node.outputs.end());
    return node;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    pot::Graph graph;
    std::vector<std::string> values = {"x"};
    graph.inputs.push_back({"x", in.PickValueInArray(kDTypes), pick_shape(in, true)});
    const int constants = in.ConsumeIntegralInRange<int>(0, kMaxConstants);
    for (int i = 0; i < constants; ++i) {
        const std::string name = "c" + std::to_string(i);
        graph.initializers[name] = pick_tensor(in);
        values.push_back(name);
    }
    const int nodes = in.ConsumeIntegralInRange<int>(1, kMaxNodes);
    for (int i = 0; i < nodes; ++i) graph.nodes.push_back(pick_node(in, i, values));
    // Some intermediate values get an inferred type and shape, as shape inference would give.
    for (size_t i = 1 + static_cast<size_t>(constants); i < values.size(); ++i)
        if (in.ConsumeBool())
            graph.value_info[values[i]] = {values[i], in.PickValueInArray(kDTypes), pick_shape(in, true)};
    const int outputs = in.ConsumeIntegralInRange<int>(1, 2);
    for (int i = 0; i < outputs; ++i) {
        const std::string value = values[in.ConsumeIntegralInRange<size_t>(0, values.size() - 1)];
        graph.outputs.push_back({value, pot::DType::F32, {}});
    }
    std::map<std::string, int64_t> doc_levels;
    for (int i = 0; i < nodes; ++i)
        if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
            doc_levels["node" + std::to_string(i)] = in.ConsumeIntegralInRange<int64_t>(2, 256);
    try {
        pot::core::model_io::import_qdq(graph, doc_levels);
    } catch (const pot::Error&) {
        // A rejected graph. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
