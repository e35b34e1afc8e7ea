#include "pot/fake_quantize.hpp"

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// Channel axis (in x's dims) of a FakeQuantize bound, or -1 when it holds one value. A bound is
// broadcast to x right-aligned, so [1,C,1,1] and [C,1,1] on a 4-D x both mean axis 1.
int64_t bound_axis(const Tensor& bound, const Tensor& x, const char* what) {
    POT_CHECK(bound.rank() <= x.rank(), what, " of shape ", shape_str(bound.shape()),
              " has a higher rank than the input ", shape_str(x.shape()));
    int64_t axis = -1;
    for (int64_t d = 0; d < bound.rank(); ++d) {
        if (bound.dim(d) == 1) continue;
        POT_CHECK(axis < 0, what, " of shape ", shape_str(bound.shape()),
                  " varies along more than one dim; expected a scalar or one value per channel");
        axis = x.rank() - bound.rank() + d;
    }
    return axis;
}

// Per-axis quantization parameters of QuantizeLinear / DequantizeLinear: the channel axis of x
// (-1 for per-tensor), one scale and one zero point per channel, and the code type.
struct LinearQuantParams {
    int64_t axis = -1;
    std::vector<float> scale;
    std::vector<int32_t> zero_point;
};

LinearQuantParams linear_params(const NodeContext& ctx, const Tensor& x) {
    LinearQuantParams p;
    const Tensor& scale = ctx.float_input(1);
    const Tensor* zero_point = ctx.optional_input(2);
    POT_CHECK(scale.rank() <= 1, "scale must be a scalar or 1-D, got shape ",
              shape_str(scale.shape()));
    p.scale = scale.to_floats();
    for (float s : p.scale) POT_CHECK(s > 0.0f, "scale must be positive, got ", s);
    if (zero_point) {
        POT_CHECK(zero_point->numel() == scale.numel(), "zero point of shape ",
                  shape_str(zero_point->shape()), " does not match scale of shape ",
                  shape_str(scale.shape()));
        for (int64_t z : read_ints(*zero_point)) p.zero_point.push_back(static_cast<int32_t>(z));
    } else {
        p.zero_point.assign(p.scale.size(), 0);
    }
    if (scale.rank() == 1) {
        // 1-D scale: per-axis along `axis` (default 1); a single value is still per-tensor.
        p.axis = normalize_axis(ctx.node().attr_int("axis", 1), x.rank());
        POT_CHECK(x.dim(p.axis) == scale.numel() || scale.numel() == 1, "scale has ", scale.numel(),
                  " values but dim ", p.axis, " of input ", shape_str(x.shape()), " has ",
                  x.dim(p.axis));
    }
    if (p.scale.size() == 1) p.axis = -1;
    return p;
}

}  // namespace

void run_fake_quantize(NodeContext& ctx) {
    ctx.expect_inputs(5, 5);
    const Tensor& x = ctx.float_input(0);
    const char* names[] = {"input_low", "input_high", "output_low", "output_high"};
    FakeQuantizeParams params;
    POT_CHECK(ctx.node().has_attr("levels"), "attribute 'levels' is required");
    params.levels = ctx.node().attr_int("levels", 256);
    int64_t channels = 1;
    for (size_t i = 0; i < 4; ++i) {
        const Tensor& bound = ctx.float_input(i + 1);
        const int64_t axis = bound_axis(bound, x, names[i]);
        if (axis < 0) continue;
        POT_CHECK(params.axis < 0 || (params.axis == axis && channels == bound.numel()), names[i],
                  " of shape ", shape_str(bound.shape()), " disagrees with the other bounds on ",
                  "the channel axis or count");
        params.axis = axis;
        channels = bound.numel();
    }
    std::vector<float>* slots[] = {&params.input_low, &params.input_high, &params.output_low,
                                   &params.output_high};
    for (size_t i = 0; i < 4; ++i) {
        *slots[i] = ctx.input(i + 1).to_floats();
        // A scalar bound next to per-channel ones applies to every channel.
        if (slots[i]->size() == 1) slots[i]->assign(static_cast<size_t>(channels), (*slots[i])[0]);
    }
    Tensor y;
    fake_quantize(x, params, y);
    ctx.set_output(0, std::move(y));
}

void run_quantize_linear(NodeContext& ctx) {
    ctx.expect_inputs(2, 3);
    const Tensor& x = ctx.float_input(0);
    const LinearQuantParams p = linear_params(ctx, x);
    QuantEncoding encoding;
    encoding.dtype = ctx.has_input(2) ? ctx.input(2).dtype() : DType::U8;
    POT_CHECK(encoding.dtype == DType::U8 || encoding.dtype == DType::I8,
              "zero point must be u8 or i8, got ", dtype_name(encoding.dtype));
    encoding.axis = p.axis;
    encoding.scale = p.scale;
    encoding.zero_point = p.zero_point;
    // quantize_tensor rounds half to even and saturates to the code type, as ONNX specifies.
    ctx.set_output(0, quantize_tensor(x, encoding));
}

void run_dequantize_linear(NodeContext& ctx) {
    ctx.expect_inputs(2, 3);
    const Tensor& x = ctx.input(0);
    POT_CHECK(x.dtype() == DType::U8 || x.dtype() == DType::I8 || x.dtype() == DType::I32,
              "input must be u8, i8 or i32, got ", dtype_name(x.dtype()));
    if (ctx.has_input(2))
        POT_CHECK(ctx.input(2).dtype() == x.dtype(), "zero point type ",
                  dtype_name(ctx.input(2).dtype()), " differs from the input type ",
                  dtype_name(x.dtype()));
    const LinearQuantParams p = linear_params(ctx, x);
    int64_t inner = 1, channels = 1;
    if (p.axis >= 0) {
        channels = x.dim(p.axis);
        for (int64_t d = p.axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    }
    const auto codes = read_ints(x);
    Tensor y(DType::F32, x.shape());
    float* dst = y.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) {
        const auto c = static_cast<size_t>((i / inner) % channels);
        const int64_t shifted = codes[static_cast<size_t>(i)] - p.zero_point[c];
        dst[i] = static_cast<float>(shifted) * p.scale[c];
    }
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
