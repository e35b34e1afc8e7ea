#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels.hpp"
#include "tensor_index.hpp"

namespace pot::reference {

namespace {

// Product of dims [from, to) of `shape`.
int64_t dims_product(const Shape& shape, int64_t from, int64_t to) {
    int64_t p = 1;
    for (int64_t d = from; d < to; ++d) p *= shape[static_cast<size_t>(d)];
    return p;
}

}  // namespace

void run_concat(NodeContext& ctx) {
    POT_CHECK(ctx.input_count() >= 1, "expected at least one input");
    const Tensor& first = ctx.input(0);
    POT_CHECK(first.rank() >= 1, "inputs must have rank >= 1");
    const int64_t axis = normalize_axis(ctx.node().attr_int("axis", 0), first.rank());
    Shape out_shape = first.shape();
    out_shape[static_cast<size_t>(axis)] = 0;
    for (size_t i = 0; i < ctx.input_count(); ++i) {
        const Tensor& t = ctx.input(i);
        POT_CHECK(t.dtype() == first.dtype() && t.rank() == first.rank(), "input ", i, " (",
                  dtype_name(t.dtype()), " ", shape_str(t.shape()), ") does not match input 0 (",
                  dtype_name(first.dtype()), " ", shape_str(first.shape()), ")");
        for (int64_t d = 0; d < t.rank(); ++d)
            POT_CHECK(d == axis || t.dim(d) == first.dim(d), "input ", i, " of shape ",
                      shape_str(t.shape()), " differs from input 0 ", shape_str(first.shape()),
                      " outside the concat axis ", axis);
        out_shape[static_cast<size_t>(axis)] += t.dim(axis);
    }
    Tensor y(first.dtype(), out_shape);
    const size_t elem = dtype_size(first.dtype());
    const int64_t outer = dims_product(out_shape, 0, axis);
    const int64_t row = dims_product(out_shape, axis, y.rank());  // elements per outer index
    int64_t column = 0;  // where the current input starts inside each output row
    for (size_t i = 0; i < ctx.input_count(); ++i) {
        const Tensor& t = ctx.input(i);
        const int64_t chunk = dims_product(t.shape(), axis, t.rank());
        for (int64_t o = 0; o < outer && chunk > 0; ++o)
            std::memcpy(
                static_cast<std::byte*>(y.raw()) + static_cast<size_t>(o * row + column) * elem,
                static_cast<const std::byte*>(t.raw()) + static_cast<size_t>(o * chunk) * elem,
                static_cast<size_t>(chunk) * elem);
        column += chunk;
    }
    ctx.set_output(0, std::move(y));
}

void run_split(NodeContext& ctx) {
    ctx.expect_inputs(1, 2);
    const Node& node = ctx.node();
    const Tensor& x = ctx.input(0);
    const int64_t axis = normalize_axis(node.attr_int("axis", 0), x.rank());
    const int64_t dim = x.dim(axis);
    // Sizes: the `split` input (opset >= 13) or attribute (< 13); else equal parts, the last one
    // smaller when the dim does not divide (opset 18 num_outputs).
    std::vector<int64_t> sizes = node.attr_ints("split");
    if (const Tensor* t = ctx.optional_input(1)) sizes = read_ints(*t);
    if (sizes.empty()) {
        const int64_t parts =
            node.attr_int("num_outputs", static_cast<int64_t>(ctx.output_count()));
        POT_CHECK(parts >= 1, "cannot split into ", parts, " parts");
        const int64_t chunk = (dim + parts - 1) / parts;
        for (int64_t p = 0; p < parts; ++p)
            sizes.push_back(std::clamp(dim - p * chunk, int64_t{0}, chunk));
    }
    POT_CHECK(sizes.size() == ctx.output_count(), "split has ", sizes.size(),
              " sizes but the node has ", ctx.output_count(), " outputs");
    POT_CHECK(std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) == dim, "split sizes ",
              shape_str(sizes), " do not add up to dim ", axis, " of shape ", shape_str(x.shape()));
    const size_t elem = dtype_size(x.dtype());
    const int64_t outer = dims_product(x.shape(), 0, axis);
    const int64_t inner = dims_product(x.shape(), axis + 1, x.rank());
    int64_t start = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
        Shape shape = x.shape();
        shape[static_cast<size_t>(axis)] = sizes[i];
        Tensor part(x.dtype(), shape);
        const int64_t chunk = sizes[i] * inner;
        for (int64_t o = 0; o < outer && chunk > 0; ++o)
            std::memcpy(static_cast<std::byte*>(part.raw()) + static_cast<size_t>(o * chunk) * elem,
                        static_cast<const std::byte*>(x.raw()) +
                            static_cast<size_t>(o * dim * inner + start * inner) * elem,
                        static_cast<size_t>(chunk) * elem);
        start += sizes[i];
        ctx.set_output(i, std::move(part));
    }
}

void run_transpose(NodeContext& ctx) {
    ctx.expect_inputs(1, 1);
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> perm = ctx.node().attr_ints("perm");
    if (perm.empty()) {
        perm.resize(x.shape().size());
        std::iota(perm.rbegin(), perm.rend(), int64_t{0});
    }
    POT_CHECK(static_cast<int64_t>(perm.size()) == x.rank(), "perm ", shape_str(perm),
              " must have one entry per dim of shape ", shape_str(x.shape()));
    std::vector<bool> seen(perm.size(), false);
    for (int64_t p : perm) {
        POT_CHECK(p >= 0 && p < x.rank() && !seen[static_cast<size_t>(p)], "perm ", shape_str(perm),
                  " is not a permutation of 0..", x.rank() - 1);
        seen[static_cast<size_t>(p)] = true;
    }
    // Output dim i is input dim perm[i]; walking the output reads the input with permuted strides.
    const Shape in_strides = strides_of(x.shape());
    Shape out_shape, read_strides;
    for (int64_t p : perm) {
        out_shape.push_back(x.dim(p));
        read_strides.push_back(in_strides[static_cast<size_t>(p)]);
    }
    Tensor y(x.dtype(), out_shape);
    int64_t i = 0;
    for_each_index(out_shape, [&](const std::vector<int64_t>& at) {
        copy_element(x, offset_of(at, read_strides), y, i++);
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference

namespace pot::reference {

namespace {

// Copies `src` into a new tensor of `shape`, repeating along every broadcast dimension.
Tensor broadcast_to(const Tensor& src, const Shape& shape) {
    const Shape strides = broadcast_strides(src.shape(), shape);
    Tensor dst(src.dtype(), shape);
    int64_t i = 0;
    for_each_index(shape, [&](const std::vector<int64_t>& index) {
        copy_element(src, offset_of(index, strides), dst, i++);
    });
    return dst;
}

}  // namespace

void run_expand(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& x = ctx.input(0);
    const auto wanted = read_ints(ctx.input(1));
    // Expand broadcasts both ways: a 1 in `shape` keeps the input's dimension.
    const Shape shape = broadcast_shapes(x.shape(), Shape(wanted.begin(), wanted.end()));
    check_generated_size(shape, "Expand");
    ctx.set_output(0, broadcast_to(x, shape));
}

void run_tile(NodeContext& ctx) {
    ctx.expect_inputs(2, 2);
    const Tensor& x = ctx.input(0);
    const auto repeats = read_ints(ctx.input(1));
    POT_CHECK(static_cast<int64_t>(repeats.size()) == x.rank(), "repeats has ", repeats.size(),
              " values for an input of rank ", x.rank());
    Shape shape = x.shape();
    for (size_t d = 0; d < shape.size(); ++d) {
        POT_CHECK(repeats[d] >= 0, "repeats must not be negative, got ", repeats[d]);
        POT_CHECK(!__builtin_mul_overflow(shape[d], repeats[d], &shape[d]),
                  "Tile output dimension overflows");
    }
    check_generated_size(shape, "Tile");
    const Shape src_strides = strides_of(x.shape());
    Tensor y(x.dtype(), shape);
    int64_t i = 0;
    for_each_index(shape, [&](const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (size_t d = 0; d < index.size(); ++d) offset += (index[d] % x.shape()[d]) * src_strides[d];
        copy_element(x, offset, y, i++);
    });
    ctx.set_output(0, std::move(y));
}

}  // namespace pot::reference
