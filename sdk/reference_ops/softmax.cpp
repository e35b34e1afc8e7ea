#include <algorithm>
#include <cmath>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

// Softmax and LogSoftmax.
void run_softmax(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    const bool log_output = ctx.node().op_type == "LogSoftmax";
    const Tensor& x = ctx.float_input(0);
    const Shape& shape = x.shape();
    // Opset < 13 flattens the input to 2-D at `axis` (default 1) and normalizes each row;
    // opset >= 13 normalizes along the single dimension `axis` (default -1).
    const bool coerce_2d = ctx.opset() < 13;
    const int64_t rank = std::max<int64_t>(x.rank(), 1);
    const int64_t axis = normalize_axis(ctx.node().attr_int("axis", coerce_2d ? 1 : -1), rank);
    auto product = [&](int64_t from, int64_t to) {
        int64_t p = 1;
        for (int64_t d = from; d < to && d < x.rank(); ++d) p *= shape[static_cast<size_t>(d)];
        return p;
    };
    const int64_t outer = product(0, axis);
    const int64_t length = coerce_2d ? product(axis, x.rank()) : product(axis, axis + 1);
    const int64_t inner = coerce_2d ? 1 : product(axis + 1, x.rank());

    Tensor y(DType::F32, shape);
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    for (int64_t o = 0; o < outer && length > 0; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * length * inner + i;
            auto at = [&](int64_t j) { return base + j * inner; };
            // Subtracting the maximum keeps exp() finite; it cancels in the ratio.
            float max_value = src[at(0)];
            for (int64_t j = 1; j < length; ++j) max_value = std::max(max_value, src[at(j)]);
            float sum = 0.0f;
            for (int64_t j = 0; j < length; ++j) {
                dst[at(j)] = std::exp(src[at(j)] - max_value);
                sum += dst[at(j)];
            }
            if (log_output) {
                // log(exp(x - max) / sum) = x - max - log(sum), without rounding exp() first.
                const float log_sum = std::log(sum);
                for (int64_t j = 0; j < length; ++j) dst[at(j)] = src[at(j)] - max_value - log_sum;
            } else {
                for (int64_t j = 0; j < length; ++j) dst[at(j)] /= sum;
            }
        }
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
