#include <limits>

#include "ops.hpp"

namespace pot::cpu {

namespace {
using alg = dnnl::algorithm;

std::optional<float> scalar_input(const PlanBuilder& b, const Node& n, size_t i) {
    if (i >= n.inputs.size() || n.inputs[i].empty() || !b.is_constant(n.inputs[i])) return std::nullopt;
    const Tensor& t = b.constant(n.inputs[i]);
    if (t.numel() != 1) return std::nullopt;
    return t.to_floats()[0];
}
}  // namespace

std::vector<std::string> absorbed_activation_types() {
    // The single-input ops eltwise_ops() below turns into post-ops.
    return {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Clip",
            "Exp", "Log", "Sqrt", "Abs", "Neg"};
}

std::optional<std::vector<EltwiseOp>> eltwise_ops(const PlanBuilder& b, const Node& n) {
    if (!n.domain.empty()) return std::nullopt;
    const std::string& op = n.op_type;
    if (op == "Relu") return std::vector<EltwiseOp>{{alg::eltwise_relu}};
    if (op == "LeakyRelu") return std::vector<EltwiseOp>{{alg::eltwise_relu, n.attr_float("alpha", 0.01f)}};
    if (op == "Sigmoid") return std::vector<EltwiseOp>{{alg::eltwise_logistic}};
    if (op == "Tanh") return std::vector<EltwiseOp>{{alg::eltwise_tanh}};
    if (op == "HardSwish") return std::vector<EltwiseOp>{{alg::eltwise_hardswish}};
    if (op == "Exp") return std::vector<EltwiseOp>{{alg::eltwise_exp}};
    if (op == "Log") return std::vector<EltwiseOp>{{alg::eltwise_log}};
    if (op == "Sqrt") return std::vector<EltwiseOp>{{alg::eltwise_sqrt}};
    if (op == "Abs") return std::vector<EltwiseOp>{{alg::eltwise_abs}};
    if (op == "Neg") return std::vector<EltwiseOp>{{alg::eltwise_linear, -1.0f, 0.0f}};
    if (op == "HardSigmoid")
        return std::vector<EltwiseOp>{
            {alg::eltwise_linear, n.attr_float("alpha", 0.2f), n.attr_float("beta", 0.5f)},
            {alg::eltwise_clip, 0.0f, 1.0f}};
    if (op == "Clip") {
        float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
        if (b.graph().opset < 11) {
            lo = n.attr_float("min", lo);
            hi = n.attr_float("max", hi);
        } else {
            for (size_t i : {size_t{1}, size_t{2}}) {
                if (i >= n.inputs.size() || n.inputs[i].empty()) continue;
                const auto v = scalar_input(b, n, i);
                if (!v) return std::nullopt;
                (i == 1 ? lo : hi) = *v;
            }
        }
        return std::vector<EltwiseOp>{{alg::eltwise_clip, lo, hi}};
    }
    if (op == "Mul" || op == "Div" || op == "Add" || op == "Sub") {
        // x op scalar-constant is linear: fuses like any activation.
        if (n.inputs.size() != 2) return std::nullopt;
        const auto c = scalar_input(b, n, 1);
        if (!c || b.is_constant(n.inputs[0])) return std::nullopt;
        if (op == "Mul") return std::vector<EltwiseOp>{{alg::eltwise_linear, *c, 0.0f}};
        if (op == "Div") return std::vector<EltwiseOp>{{alg::eltwise_linear, 1.0f / *c, 0.0f}};
        if (op == "Add") return std::vector<EltwiseOp>{{alg::eltwise_linear, 1.0f, *c}};
        return std::vector<EltwiseOp>{{alg::eltwise_linear, 1.0f, -*c}};
    }
    return std::nullopt;
}

bool lower_eltwise(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const auto ops = eltwise_ops(b, n);
    if (!ops || ops->empty()) return false;
    const std::string& x = n.inputs[0];
    dnnl::memory src = b.f32(x);
    const auto desc = src.get_desc();
    // Following activations fuse as post-ops of the first one.
    std::vector<EltwiseOp> chain = *ops;
    const Fusion fusion = plan_fusion(b, n.outputs[0], desc.dims(), false);
    if (fusion.sum_value) return false;
    chain.insert(chain.end(), fusion.before_sum.begin(), fusion.before_sum.end());
    dnnl::primitive_attr attr;
    dnnl::post_ops po;
    for (size_t i = 1; i < chain.size(); ++i) po.append_eltwise(1.0f, chain[i].alg, chain[i].alpha, chain[i].beta);
    attr.set_post_ops(po);
    const auto d = dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, chain[0].alg, desc,
                                               chain[0].alpha, chain[0].beta);
    dnnl::eltwise_forward::primitive_desc pd;
    try {
        pd = dnnl::eltwise_forward::primitive_desc(d, attr, b.engine());
    } catch (const dnnl::error&) {
        return false;
    }
    dnnl::memory dst = define_fused_dst(b, fusion, pd.dst_desc());
    b.add_primitive(n.name, str_cat("eltwise ", n.op_type, fusion_note(b, fusion)), pd,
                    dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    return true;
}

}  // namespace pot::cpu
