#include "reference_fallback.hpp"

#include "reference_ops.hpp"

namespace pot::cpu {

bool fallback_supports(const Node& node) { return reference::supports_op(node); }

std::vector<Tensor> evaluate_node(int64_t opset, const Node& node,
                                  const std::vector<Tensor>& inputs) {
    std::vector<const Tensor*> ptrs;
    for (size_t i = 0; i < inputs.size(); ++i)
        ptrs.push_back(i < node.inputs.size() && node.inputs[i].empty() ? nullptr : &inputs[i]);
    std::vector<Tensor> outputs;
    reference::run_node(node, ptrs, outputs, opset);
    return outputs;
}

}  // namespace pot::cpu
