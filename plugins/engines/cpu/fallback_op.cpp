// Nodes without a oneDNN lowering run with the reference engine's kernels on plain f32 copies.
#include <cstring>

#include "plan_builder.hpp"
#include "reference_fallback.hpp"

namespace pot::cpu {

void lower_with_reference(PlanBuilder& b, size_t index) {
    const Node& node = b.node(index);
    struct Slot {
        bool runtime = false;
        dnnl::memory mem;
    };
    auto tensors = std::make_shared<std::vector<Tensor>>();
    std::vector<Slot> slots;
    for (const auto& in : node.inputs) {
        Slot slot;
        if (in.empty()) {
            tensors->emplace_back();
        } else if (b.is_constant(in)) {
            tensors->push_back(b.constant(in));
        } else {
            slot.runtime = true;
            slot.mem = b.plain_f32(in);
            tensors->emplace_back(DType::F32, b.shape(in));
        }
        slots.push_back(slot);
    }
    // Shapes of the outputs: run once on zeros now, as the plan is fixed per input shape.
    const auto probe = evaluate_node(b.graph().opset, node, *tensors);
    std::vector<dnnl::memory> outs;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i].empty() || i >= probe.size()) {
            outs.emplace_back();
            continue;
        }
        const Tensor& t = probe[i];
        POT_CHECK(t.dtype() != DType::I64, node.describe(), ": output '", node.outputs[i],
                  "' is int64, which the cpu engine only supports for constant values");
        outs.push_back(b.define(node.outputs[i],
                                plain_desc(dnnl::memory::dims(t.shape().begin(), t.shape().end()),
                                           to_dnnl(t.dtype()))));
    }
    const Node node_copy = node;
    const int64_t opset = b.graph().opset;
    auto run = [node_copy, opset, tensors, slots, outs](RunContext& ctx) {
        ctx.stream.wait();
        for (size_t i = 0; i < slots.size(); ++i)
            if (slots[i].runtime)
                std::memcpy((*tensors)[i].raw(), slots[i].mem.get_data_handle(),
                            (*tensors)[i].byte_size());
        const auto results = evaluate_node(opset, node_copy, *tensors);
        for (size_t i = 0; i < outs.size(); ++i)
            if (outs[i]) std::memcpy(outs[i].get_data_handle(), results[i].raw(), results[i].byte_size());
    };
    b.add_step(Step{node.name, "reference", node.op_type, run});
}

}  // namespace pot::cpu
