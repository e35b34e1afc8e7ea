#include <algorithm>

#include "kernels.hpp"
#include "reference_ops.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// Axes of Squeeze/Unsqueeze: an attribute before opset 13, an optional input from 13 on.
// Either spelling is accepted in any opset, so a converter's choice does not matter.
std::vector<int64_t> axes_of(const NodeContext& ctx) {
    if (const Tensor* t = ctx.optional_input(1)) return read_ints(*t);
    return ctx.node().attr_ints("axes");
}

}  // namespace

void run_reshape(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& x = ctx.input(0);
    Shape shape = read_ints(ctx.input(1));
    const bool allow_zero = ctx.node().attr_int("allowzero", 0) != 0;
    for (size_t i = 0; i < shape.size(); ++i) {
        POT_CHECK(shape[i] >= -1, "shape ", shape_str(shape), " has a negative dim other than -1");
        if (shape[i] == 0 && !allow_zero) {
            // 0 copies the input's dimension at the same position.
            POT_CHECK(i < x.shape().size(), "shape ", shape_str(shape), " copies dim ", i,
                      " (0) but the input ", shape_str(x.shape()), " has rank ", x.rank());
            shape[i] = x.shape()[i];
        }
    }
    ctx.set_output(0, x.reshaped(shape));
}

void run_flatten(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    const Tensor& x = ctx.input(0);
    int64_t axis = ctx.node().attr_int("axis", 1);
    POT_CHECK(axis >= -x.rank() && axis <= x.rank(), "axis ", axis, " is out of range for rank ",
              x.rank(), "; expected [", -x.rank(), ", ", x.rank(), "]");
    if (axis < 0) axis += x.rank();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < x.rank(); ++d) (d < axis ? outer : inner) *= x.dim(d);
    ctx.set_output(0, x.reshaped({outer, inner}));
}

void run_squeeze(NodeContext& ctx) {
    ctx.expect_inputs(1, 2);
    const Tensor& x = ctx.input(0);
    std::vector<bool> drop(x.shape().size(), false);
    const auto axes = axes_of(ctx);
    if (axes.empty()) {
        for (size_t d = 0; d < drop.size(); ++d) drop[d] = x.shape()[d] == 1;
    }
    for (int64_t a : axes) {
        const auto d = static_cast<size_t>(normalize_axis(a, x.rank()));
        POT_CHECK(x.shape()[d] == 1, "cannot squeeze axis ", a, " of shape ", shape_str(x.shape()),
                  ": its size is not 1");
        drop[d] = true;
    }
    Shape shape;
    for (size_t d = 0; d < drop.size(); ++d)
        if (!drop[d]) shape.push_back(x.shape()[d]);
    ctx.set_output(0, x.reshaped(shape));
}

void run_unsqueeze(NodeContext& ctx) {
    ctx.expect_inputs(1, 2);
    const Tensor& x = ctx.input(0);
    const auto axes = axes_of(ctx);
    POT_CHECK(!axes.empty(), "axes are required (attribute before opset 13, input from 13)");
    const int64_t rank = x.rank() + static_cast<int64_t>(axes.size());
    std::vector<bool> inserted(static_cast<size_t>(rank), false);
    for (int64_t a : axes) {
        const auto d = static_cast<size_t>(normalize_axis(a, rank));
        POT_CHECK(!inserted[d], "axis ", a, " is listed twice");
        inserted[d] = true;
    }
    Shape shape;
    size_t next = 0;
    for (size_t d = 0; d < inserted.size(); ++d)
        shape.push_back(inserted[d] ? 1 : x.shape()[next++]);
    ctx.set_output(0, x.reshaped(shape));
}

Tensor shape_output(const Node& node, const Shape& shape) {
    const auto rank = static_cast<int64_t>(shape.size());
    // Opset 15 start/end select a slice of the dims, clamped like Python slicing.
    auto clamp_dim = [rank](int64_t v) {
        return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank);
    };
    const int64_t start = clamp_dim(node.attr_int("start", 0));
    const int64_t end = clamp_dim(node.attr_int("end", rank));
    std::vector<int64_t> dims;
    for (int64_t d = start; d < end; ++d) dims.push_back(shape[static_cast<size_t>(d)]);
    return Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims);
}

void run_shape(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    ctx.set_output(0, shape_output(ctx.node(), ctx.input(0).shape()));
}

}  // namespace pot::reference
