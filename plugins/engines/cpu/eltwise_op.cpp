#include <limits>

#include "bands.hpp"
#include "ops.hpp"
#include "team.hpp"
#include "spelled_activations.hpp"

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
    // Swish and Gelu also stand for their spelled-out forms (spelled_activations.hpp).
    return {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Clip",
            "Exp", "Log", "Sqrt", "Abs", "Neg", "Swish", "Gelu"};
}

std::optional<std::vector<EltwiseOp>> eltwise_ops(const PlanBuilder& b, const Node& n) {
    if (n.domain == kEngineDomain && n.op_type == "Swish") return std::vector<EltwiseOp>{{alg::eltwise_swish, 1.0f}};
    if (n.domain == kEngineDomain && n.op_type == "Gelu") return std::vector<EltwiseOp>{{alg::eltwise_gelu_erf}};
    if (!n.domain.empty()) return std::nullopt;
    const std::string& op = n.op_type;
    if (op == "Gelu") {
        // ONNX opset 20.
        const std::string approximate = n.attr_string("approximate", "none");
        if (approximate == "none") return std::vector<EltwiseOp>{{alg::eltwise_gelu_erf}};
        if (approximate == "tanh") return std::vector<EltwiseOp>{{alg::eltwise_gelu_tanh}};
        return std::nullopt;
    }
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
    const Fusion fusion = plan_fusion(b, n.outputs[0], desc.dims(), false, false);
    chain.insert(chain.end(), fusion.before_sum.begin(), fusion.before_sum.end());
    // `band`: for a band of the plan's team, over `md`, with its own scratchpad.
    auto make_pd = [&](const EltwiseOp& op, const std::vector<EltwiseOp>& post, const dnnl::memory::desc& md,
                       bool band = false) {
        dnnl::primitive_attr attr;
        dnnl::post_ops po;
        for (const auto& p : post) po.append_eltwise(1.0f, p.alg, p.alpha, p.beta);
        attr.set_post_ops(po);
        if (band) attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        const auto d = dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, op.alg, md, op.alpha, op.beta);
        return dnnl::eltwise_forward::primitive_desc(d, attr, b.engine());
    };
    // oneDNN 2.x has jit eltwise kernels for primitives without post-ops only: a chain (x + 3
    // then Clip, say) with post-ops would run as scalar reference code, so it runs as one jit
    // primitive per operation instead, the later ones in place.
    std::vector<dnnl::eltwise_forward::primitive_desc> pds;
    std::vector<std::pair<EltwiseOp, std::vector<EltwiseOp>>> steps;  // op and post-ops of each primitive
    try {
        steps.push_back({chain[0], {chain.begin() + 1, chain.end()}});
        pds.push_back(make_pd(steps[0].first, steps[0].second, desc));
        if (chain.size() > 1 && is_reference_impl(pds[0])) {
            pds.clear();
            steps.clear();
            for (const auto& op : chain) {
                steps.push_back({op, {}});
                pds.push_back(make_pd(op, {}, desc));
            }
        }
    } catch (const dnnl::error&) {
        return false;
    }
    dnnl::memory dst = define_fused_dst(b, fusion, pds[0].dst_desc());
    const std::string kind = str_cat("eltwise ", n.op_type, fusion_note(b, fusion));
    for (size_t i = 0; i < pds.size(); ++i) {
        const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, i == 0 ? src : dst}, {DNNL_ARG_DST, dst}};
        b.add_primitive(n.name, i == 0 ? kind : str_cat(kind, " (step ", i + 1, ")"), pds[i],
                        dnnl::eltwise_forward(pds[i]), args);
        split_dense_rows(b, estimated_serial_ns(b, n), args, {DNNL_ARG_SRC}, DNNL_ARG_DST, {}, /*elements=*/true,
                         [&](const dnnl::memory::desc& band, const dnnl::memory::desc&) {
                             return std::optional<dnnl::primitive_desc_base>(
                                 make_pd(steps[i].first, steps[i].second, band, true));
                         });
    }
    return true;
}

}  // namespace pot::cpu
