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

bool lower_transpose(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const auto dims = b.dims(x);
    const size_t rank = dims.size();
    std::vector<int64_t> perm = n.attr_ints("perm");
    if (perm.empty())
        for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
    if (perm.size() != rank) return false;
    // Output axis j is input axis perm[j]: the input, described in the output's axis order (same
    // bytes, permuted strides), reordered into a plain output.
    std::vector<int> inverse(rank, -1);
    dnnl::memory::dims out_dims(rank);
    for (size_t j = 0; j < rank; ++j) {
        const int64_t axis = perm[j];
        if (axis < 0 || axis >= static_cast<int64_t>(rank) || inverse[static_cast<size_t>(axis)] >= 0) return false;
        inverse[static_cast<size_t>(axis)] = static_cast<int>(j);
        out_dims[j] = dims[static_cast<size_t>(axis)];
    }
    // Codes move as they are (a transpose keeps the quantization grid).
    const Rep src = b.plain_any(x);
    const auto type = src.mem.get_desc().data_type();
    const auto permuted = plain_desc(dims, type).permute_axes(inverse);
    const dnnl::memory dst = b.define(n.outputs[0], plain_desc(out_dims, type), src.quant);
    auto pd = dnnl::reorder::primitive_desc(b.engine(), permuted, b.engine(), dst.get_desc());
    b.add_primitive(n.name, "transpose", pd, dnnl::reorder(pd),
                    {{DNNL_ARG_FROM, b.view(src, permuted)}, {DNNL_ARG_TO, dst}});
    return true;
}

}  // namespace pot::cpu
