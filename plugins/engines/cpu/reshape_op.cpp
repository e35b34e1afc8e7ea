#include "ops.hpp"
#include "reference_fallback.hpp"

namespace pot::cpu {

bool lower_reshape(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.outputs.size() > 1 && !n.outputs[1].empty()) return false;  // Dropout mask
    const std::string& x = n.inputs.at(0);
    // The output shape: the reference kernel on zeros (shape inputs are constants by now).
    std::vector<Tensor> inputs{Tensor(DType::F32, b.shape(x))};
    for (size_t i = 1; i < n.inputs.size(); ++i) {
        if (n.inputs[i].empty()) {
            inputs.emplace_back();
            continue;
        }
        if (!b.is_constant(n.inputs[i])) return false;
        inputs.push_back(b.constant(n.inputs[i]));
    }
    const Shape out = evaluate_node(b.graph().opset, n, inputs).at(0).shape();
    const Rep src = b.plain_any(x);
    b.alias(n.outputs[0], src,
            plain_desc(dnnl::memory::dims(out.begin(), out.end()), src.mem.get_desc().data_type()));
    return true;
}

}  // namespace pot::cpu
