#include "ops.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;

std::optional<dnnl::algorithm> binary_algorithm(const std::string& op) {
    if (op == "Add") return dnnl::algorithm::binary_add;
    if (op == "Sub") return dnnl::algorithm::binary_sub;
    if (op == "Mul") return dnnl::algorithm::binary_mul;
    if (op == "Div") return dnnl::algorithm::binary_div;
    return std::nullopt;
}

bool commutative(const std::string& op) { return op == "Add" || op == "Mul"; }
}  // namespace

bool lower_binary(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (eltwise_ops(b, n)) return lower_eltwise(b, index);
    const auto algo = binary_algorithm(n.op_type);
    if (!algo || n.inputs.size() != 2) return false;
    std::string a = n.inputs[0], c = n.inputs[1];
    auto a_dims = b.dims(a), c_dims = b.dims(c);
    const size_t rank = std::max(a_dims.size(), c_dims.size());
    a_dims.insert(a_dims.begin(), rank - a_dims.size(), 1);
    c_dims.insert(c_dims.begin(), rank - c_dims.size(), 1);
    dnnl::memory::dims out_dims(rank);
    for (size_t i = 0; i < rank; ++i) {
        if (a_dims[i] != c_dims[i] && a_dims[i] != 1 && c_dims[i] != 1) return false;
        out_dims[i] = std::max(a_dims[i], c_dims[i]);
    }
    if (a_dims != out_dims || b.is_constant(a)) {
        if (!commutative(n.op_type) || c_dims != out_dims || b.is_constant(c)) return false;
        std::swap(a, c);
        std::swap(a_dims, c_dims);
    }
    if (b.dims(a) != out_dims) return false;
    const Fusion fusion = plan_fusion(b, n.outputs[0], out_dims, false, false);
    dnnl::primitive_attr attr;
    apply_fusion(fusion, attr);

    // Same-shape operands share the layout of the first; a broadcast one is read plain.
    const dnnl::memory src0_any = b.f32(a);
    for (const bool plain : {false, true}) {
        const dnnl::memory src0 = plain ? b.plain_f32(a) : src0_any;
        const dnnl::memory::desc src1_md =
            c_dims == out_dims ? src0.get_desc() : plain_desc(c_dims, dt::f32);
        const auto d = dnnl::binary::desc(*algo, src0.get_desc(), src1_md, src0.get_desc());
        dnnl::binary::primitive_desc pd;
        try {
            pd = dnnl::binary::primitive_desc(d, attr, b.engine());
        } catch (const dnnl::error&) {
            continue;
        }
        dnnl::memory src1;
        if (b.is_constant(c)) {
            src1 = b.constant_memory(b.constant(c).cast(DType::F32), c_dims, src1_md);
        } else if (c_dims == out_dims) {
            src1 = b.as(c, src1_md);
        } else {
            const Rep plain_c = b.rep_as(c, plain_desc(b.dims(c), dt::f32));
            src1 = b.view(plain_c, src1_md);
        }
        dnnl::memory dst = define_fused_dst(b, fusion, pd.dst_desc());
        b.add_primitive(n.name, str_cat("binary ", n.op_type, fusion_note(b, fusion)), pd,
                        dnnl::binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
        return true;
    }
    return false;
}

}  // namespace pot::cpu
