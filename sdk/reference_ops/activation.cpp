#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

template <typename F>
Tensor map_floats(const Tensor& src, F f) {
    Tensor dst(DType::F32, src.shape());
    const float* x = src.data<float>();
    float* y = dst.data<float>();
    for (int64_t i = 0; i < src.numel(); ++i) y[i] = f(x[i]);
    return dst;
}

// y = f(x) element-wise for the node's op.
Tensor apply_unary(const Node& node, const Tensor& x) {
    const std::string& op = node.op_type;
    if (op == "Relu") return map_floats(x, [](float v) { return std::max(v, 0.0f); });
    if (op == "LeakyRelu") {
        const float alpha = node.attr_float("alpha", 0.01f);
        return map_floats(x, [alpha](float v) { return v >= 0.0f ? v : alpha * v; });
    }
    if (op == "Sigmoid") return map_floats(x, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    if (op == "HardSigmoid") {
        const float alpha = node.attr_float("alpha", 0.2f), beta = node.attr_float("beta", 0.5f);
        return map_floats(
            x, [alpha, beta](float v) { return std::clamp(alpha * v + beta, 0.0f, 1.0f); });
    }
    if (op == "HardSwish")
        return map_floats(x, [](float v) { return v * std::clamp(v / 6.0f + 0.5f, 0.0f, 1.0f); });
    if (op == "Tanh") return map_floats(x, [](float v) { return std::tanh(v); });
    if (op == "Erf") return map_floats(x, [](float v) { return std::erf(v); });
    if (op == "Sqrt") return map_floats(x, [](float v) { return std::sqrt(v); });
    if (op == "Exp") return map_floats(x, [](float v) { return std::exp(v); });
    if (op == "Log") return map_floats(x, [](float v) { return std::log(v); });
    if (op == "Abs") return map_floats(x, [](float v) { return std::fabs(v); });
    if (op == "Neg") return map_floats(x, [](float v) { return -v; });
    if (op == "Reciprocal") return map_floats(x, [](float v) { return 1.0f / v; });
    if (op == "Floor") return map_floats(x, [](float v) { return std::floor(v); });
    if (op == "Ceil") return map_floats(x, [](float v) { return std::ceil(v); });
    POT_THROW(Runtime, "no element-wise function for op '", op, "'");
}

}  // namespace

void check_unary(const Node& node, int64_t opset) {
    if (node.op_type == "Dropout") {
        // Dropout is the identity only at inference; a graph asking for training is not ours.
        POT_CHECK(node.attr_int("training_mode", 0) == 0 && node.attr_int("is_test", 1) != 0,
                  "Dropout in training mode is not supported; export the model in eval mode");
    }
}

void run_unary(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    ctx.set_output(0, apply_unary(ctx.node(), ctx.float_input(0)));
}

void run_clip(NodeContext& ctx) {
    float low = std::numeric_limits<float>::lowest();
    float high = std::numeric_limits<float>::max();
    if (ctx.opset() < 11) {
        ctx.expect_inputs(1, 1);
        low = ctx.node().attr_float("min", low);
        high = ctx.node().attr_float("max", high);
    } else {
        ctx.expect_inputs(1, 3);
        if (const Tensor* t = ctx.optional_input(1)) low = read_scalar(*t);
        if (const Tensor* t = ctx.optional_input(2)) high = read_scalar(*t);
    }
    // ONNX Clip is min(max(x, low), high): with low > high every value becomes high.
    ctx.set_output(0, map_floats(ctx.float_input(0), [low, high](float x) {
                       return std::min(std::max(x, low), high);
                   }));
}

void run_identity(NodeContext& ctx) {
    ctx.expect_inputs(1, ctx.node().op_type == "Dropout" ? 3 : 1);
    ctx.set_output(0, ctx.input(0));
    if (ctx.wants_output(1)) {
        // Dropout's mask at inference keeps every element; bool is stored as u8.
        Tensor mask(DType::U8, ctx.input(0).shape());
        std::fill_n(mask.data<uint8_t>(), mask.numel(), uint8_t{1});
        ctx.set_output(1, std::move(mask));
    }
}

}  // namespace pot::reference
