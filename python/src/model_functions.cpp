#include "model_functions.hpp"

#include <set>

#include "pot/core/graph_transforms.hpp"
#include "pot/core/model_io.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::python {

Model load_model(const std::filesystem::path& file, const std::string& name) {
    Model model{core::load_onnx(file), name};
    core::optimize_graph(model.graph);
    return model;
}

void save_model(const Model& model, const std::filesystem::path& file) { core::save_onnx(model.graph, file); }

WeightStorage weight_storage(const Model& model) {
    WeightStorage storage;
    std::set<std::string> counted;  // a weight shared by two FakeQuantize nodes is stored once
    for (const auto& node : model.graph.nodes) {
        if (!is_fake_quantize(node) || node.inputs.empty() || !model.graph.is_constant(node.inputs[0]) ||
            !counted.insert(node.inputs[0]).second)
            continue;
        const Tensor& weight = model.graph.constant(node.inputs[0]);
        storage.quantized_weights += 1;
        storage.float_bytes += static_cast<int64_t>(weight.byte_size());
        storage.stored_bytes += weight.numel();
    }
    return storage;
}

}  // namespace pot::python
