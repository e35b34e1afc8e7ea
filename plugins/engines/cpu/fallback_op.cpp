// Nodes without a oneDNN lowering run with the reference engine's kernels on plain f32 copies.
// Integer and bool runtime values (token ids, masks) are host tensors that only these kernels
// read and write.
#include <cstring>

#include "plan_builder.hpp"
#include "reference_fallback.hpp"

namespace pot::cpu {

void lower_with_reference(PlanBuilder& b, size_t index) {
    const Node& node = b.node(index);
    struct Slot {
        bool runtime = false;
        dnnl::memory mem;
        std::shared_ptr<Tensor> host;
    };
    auto tensors = std::make_shared<std::vector<Tensor>>();
    std::vector<Slot> slots;
    for (const auto& in : node.inputs) {
        Slot slot;
        if (in.empty()) {
            tensors->emplace_back();
        } else if (b.is_constant(in)) {
            tensors->push_back(b.constant(in));
        } else if (auto host = b.host_value(in)) {
            slot.host = host;
            tensors->push_back(*host);
        } else {
            // Integer values (QuantizeLinear's codes read by a DequantizeLinear) keep their type;
            // everything else, quantized or not, is read as f32.
            slot.runtime = true;
            slot.mem = b.plain(in);
            tensors->emplace_back(from_dnnl(slot.mem.get_desc().data_type()), b.shape(in));
        }
        slots.push_back(slot);
    }
    // Shapes of the outputs: run once on zeros now, as the plan is fixed per input shape.
    const auto probe = evaluate_node(b.graph().opset, node, *tensors);
    std::vector<dnnl::memory> outs;
    std::vector<std::shared_ptr<Tensor>> host_outs(node.outputs.size());
    for (size_t i = 0; i < node.outputs.size(); ++i) {
        outs.emplace_back();
        if (node.outputs[i].empty() || i >= probe.size()) continue;
        const Tensor& t = probe[i];
        if (t.dtype() == DType::I64 || t.dtype() == DType::Bool) {
            host_outs[i] = std::make_shared<Tensor>(t);
            b.define_host(node.outputs[i], host_outs[i]);
            continue;
        }
        outs.back() = b.define(node.outputs[i],
                               plain_desc(dnnl::memory::dims(t.shape().begin(), t.shape().end()),
                                          to_dnnl(t.dtype())));
    }
    const Node node_copy = node;
    const int64_t opset = b.graph().opset;
    auto run = [node_copy, opset, tensors, slots, outs, host_outs](RunContext& ctx) {
        ctx.stream.wait();
        for (size_t i = 0; i < slots.size(); ++i) {
            Tensor& t = (*tensors)[i];
            if (t.byte_size() == 0) continue;
            if (slots[i].host)
                std::memcpy(t.raw(), slots[i].host->raw(), t.byte_size());
            else if (slots[i].runtime)
                std::memcpy(t.raw(), slots[i].mem.get_data_handle(), t.byte_size());
        }
        const auto results = evaluate_node(opset, node_copy, *tensors);
        for (size_t i = 0; i < outs.size(); ++i) {
            const Tensor* dst_shape = host_outs[i] ? host_outs[i].get() : nullptr;
            if (!outs[i] && !dst_shape) continue;
            POT_CHECK(i < results.size(), node_copy.describe(), ": output ", i, " was not computed");
            const Tensor& r = results[i];
            const size_t want = dst_shape ? dst_shape->byte_size() : outs[i].get_desc().get_size();
            // The plan was sized by the probe run: a data-dependent shape (NonZero, ...) that
            // changes between runs cannot be written into it.
            POT_CHECK(r.byte_size() == want, node_copy.describe(), ": output ", i, " has shape ",
                      shape_str(r.shape()), " on this input, unlike when the model was compiled");
            if (want == 0) continue;
            std::memcpy(dst_shape ? host_outs[i]->raw() : outs[i].get_data_handle(), r.raw(), want);
        }
    };
    b.add_step(Step{node.name, "reference", node.op_type, run});
}

}  // namespace pot::cpu
