#include "constant_eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <type_traits>

namespace pot::core::transforms {

namespace {
using Outputs = std::optional<std::vector<Tensor>>;

// ONNX TensorProto.DataType codes of the types the IR holds (Cast's `to`).
std::optional<DType> dtype_from_onnx_code(int64_t code) {
    switch (code) {
        case 1: return DType::F32;
        case 2: return DType::U8;
        case 3: return DType::I8;
        case 6: return DType::I32;
        case 7: return DType::I64;
        default: return std::nullopt;
    }
}

std::optional<int64_t> bounded_numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0 || (d > 0 && n > kMaxFoldedElements / d)) return std::nullopt;
        n *= d;
    }
    if (n > kMaxFoldedElements) return std::nullopt;
    return n;
}

std::vector<int64_t> strides_of(const Shape& shape) {
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
    return strides;
}

std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank) {
    if (axis < -rank || axis >= rank) return std::nullopt;
    return axis < 0 ? axis + rank : axis;
}

const std::byte* bytes_of(const Tensor& t) { return static_cast<const std::byte*>(t.raw()); }
std::byte* bytes_of(Tensor& t) { return static_cast<std::byte*>(t.raw()); }

/// An int list given as input `slot` (from `since_opset` on) or attribute `key` (before).
/// nullopt inside means "not given"; an outer nullopt means "given but unusable".
std::optional<std::optional<std::vector<int64_t>>> ints_operand(
    const Node& node, const std::vector<const Tensor*>& inputs, size_t slot, const char* key,
    int64_t opset, int64_t since_opset) {
    if (opset < since_opset) {
        if (!node.has_attr(key)) return std::optional<std::vector<int64_t>>{};
        return std::optional<std::vector<int64_t>>{node.attr_ints(key)};
    }
    if (slot >= inputs.size() || inputs[slot] == nullptr) return std::optional<std::vector<int64_t>>{};
    const Tensor& t = *inputs[slot];
    if (t.dtype() != DType::I64 && t.dtype() != DType::I32) return std::nullopt;
    return std::optional<std::vector<int64_t>>{t.to_ints()};
}

Outputs single(Tensor t) { return std::vector<Tensor>{std::move(t)}; }

Outputs eval_reshape_like(const Tensor& src, Shape shape) {
    if (shape_numel(shape) != src.numel()) return std::nullopt;
    return single(src.reshaped(std::move(shape)));
}

Outputs eval_unsqueeze(const Node& node, const std::vector<const Tensor*>& in, int64_t opset) {
    const auto axes = ints_operand(node, in, 1, "axes", opset, 13);
    if (!axes || !*axes) return std::nullopt;
    const auto out_rank = in[0]->rank() + static_cast<int64_t>((*axes)->size());
    std::set<int64_t> at;
    for (int64_t a : **axes) {
        auto n = normalize_axis(a, out_rank);
        if (!n || !at.insert(*n).second) return std::nullopt;
    }
    Shape shape;
    size_t next = 0;
    for (int64_t d = 0; d < out_rank; ++d)
        shape.push_back(at.count(d) ? 1 : in[0]->shape()[next++]);
    return eval_reshape_like(*in[0], shape);
}

Outputs eval_squeeze(const Node& node, const std::vector<const Tensor*>& in, int64_t opset) {
    const auto axes = ints_operand(node, in, 1, "axes", opset, 13);
    if (!axes) return std::nullopt;
    const Tensor& src = *in[0];
    std::set<int64_t> drop;
    if (*axes) {
        for (int64_t a : **axes) {
            auto n = normalize_axis(a, src.rank());
            if (!n || src.dim(*n) != 1) return std::nullopt;
            drop.insert(*n);
        }
    } else {
        for (int64_t d = 0; d < src.rank(); ++d)
            if (src.dim(d) == 1) drop.insert(d);
    }
    Shape shape;
    for (int64_t d = 0; d < src.rank(); ++d)
        if (!drop.count(d)) shape.push_back(src.dim(d));
    return eval_reshape_like(src, shape);
}

Outputs eval_reshape(const Node& node, const std::vector<const Tensor*>& in) {
    if (in.size() < 2 || !in[1] || in[1]->dtype() != DType::I64) return std::nullopt;
    const Tensor& src = *in[0];
    Shape shape = in[1]->to_ints();
    const bool allow_zero = node.attr_int("allowzero", 0) != 0;
    int64_t known = 1, unknown_at = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0 && !allow_zero) {
            if (static_cast<int64_t>(i) >= src.rank()) return std::nullopt;
            shape[i] = src.dim(static_cast<int64_t>(i));
        }
        if (shape[i] == -1) {
            if (unknown_at >= 0) return std::nullopt;
            unknown_at = static_cast<int64_t>(i);
        } else if (shape[i] < 0 || (shape[i] > 0 && known > kMaxFoldedElements / shape[i])) {
            return std::nullopt;
        } else {
            known *= shape[i];
        }
    }
    if (unknown_at >= 0) {
        if (known == 0 || src.numel() % known != 0) return std::nullopt;
        shape[static_cast<size_t>(unknown_at)] = src.numel() / known;
    }
    return eval_reshape_like(src, shape);
}

Outputs eval_concat(const Node& node, const std::vector<const Tensor*>& in) {
    if (in.empty()) return std::nullopt;
    const Tensor& first = *in[0];
    auto axis = normalize_axis(node.attr_int("axis", 0), first.rank());
    if (!axis) return std::nullopt;
    Shape shape = first.shape();
    shape[static_cast<size_t>(*axis)] = 0;
    for (const Tensor* t : in) {
        if (!t || t->dtype() != first.dtype() || t->rank() != first.rank()) return std::nullopt;
        for (int64_t d = 0; d < first.rank(); ++d)
            if (d != *axis && t->dim(d) != first.dim(d)) return std::nullopt;
        shape[static_cast<size_t>(*axis)] += t->dim(*axis);
    }
    if (!bounded_numel(shape)) return std::nullopt;
    Tensor dst(first.dtype(), shape);
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d) outer *= shape[static_cast<size_t>(d)];
    const size_t elem = dtype_size(first.dtype());
    std::byte* out = bytes_of(dst);
    for (int64_t o = 0; o < outer; ++o) {
        for (const Tensor* t : in) {
            const size_t block = static_cast<size_t>(t->numel() / std::max<int64_t>(outer, 1)) * elem;
            if (block == 0) continue;
            std::memcpy(out, bytes_of(*t) + static_cast<size_t>(o) * block, block);
            out += block;
        }
    }
    return single(std::move(dst));
}

Outputs eval_gather(const Node& node, const std::vector<const Tensor*>& in) {
    if (in.size() < 2 || !in[1]) return std::nullopt;
    const Tensor& data = *in[0];
    const Tensor& indices = *in[1];
    if (indices.dtype() != DType::I64 && indices.dtype() != DType::I32) return std::nullopt;
    auto axis = normalize_axis(node.attr_int("axis", 0), data.rank());
    if (!axis) return std::nullopt;
    const int64_t dim = data.dim(*axis);
    std::vector<int64_t> idx = indices.to_ints();
    for (auto& i : idx) {
        if (i < -dim || i >= dim) return std::nullopt;
        if (i < 0) i += dim;
    }
    Shape shape(data.shape().begin(), data.shape().begin() + *axis);
    shape.insert(shape.end(), indices.shape().begin(), indices.shape().end());
    shape.insert(shape.end(), data.shape().begin() + *axis + 1, data.shape().end());
    if (!bounded_numel(shape)) return std::nullopt;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < *axis; ++d) outer *= data.dim(d);
    for (int64_t d = *axis + 1; d < data.rank(); ++d) inner *= data.dim(d);
    Tensor dst(data.dtype(), shape);
    const size_t block = static_cast<size_t>(inner) * dtype_size(data.dtype());
    std::byte* out = bytes_of(dst);
    for (int64_t o = 0; o < outer && block > 0; ++o)
        for (int64_t i : idx) {
            std::memcpy(out, bytes_of(data) + static_cast<size_t>(o * dim + i) * block, block);
            out += block;
        }
    return single(std::move(dst));
}

Outputs eval_transpose(const Node& node, const Tensor& src) {
    const int64_t rank = src.rank();
    std::vector<int64_t> perm = node.attr_ints("perm");
    if (perm.empty())
        for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
    if (static_cast<int64_t>(perm.size()) != rank) return std::nullopt;
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t d = 0; d < rank; ++d)
        if (sorted[static_cast<size_t>(d)] != d) return std::nullopt;
    Shape shape;
    for (int64_t p : perm) shape.push_back(src.dim(p));
    Tensor dst(src.dtype(), shape);
    const auto src_strides = strides_of(src.shape());
    const auto dst_strides = strides_of(shape);
    const size_t elem = dtype_size(src.dtype());
    for (int64_t i = 0; i < dst.numel(); ++i) {
        int64_t rest = i, from = 0;
        for (int64_t d = 0; d < rank; ++d) {
            const int64_t coord = rest / dst_strides[static_cast<size_t>(d)];
            rest %= dst_strides[static_cast<size_t>(d)];
            from += coord * src_strides[static_cast<size_t>(perm[static_cast<size_t>(d)])];
        }
        std::memcpy(bytes_of(dst) + static_cast<size_t>(i) * elem, bytes_of(src) + static_cast<size_t>(from) * elem, elem);
    }
    return single(std::move(dst));
}

Outputs eval_slice(const Node& node, const std::vector<const Tensor*>& in, int64_t opset) {
    const Tensor& src = *in[0];
    const auto starts = ints_operand(node, in, 1, "starts", opset, 10);
    const auto ends = ints_operand(node, in, 2, "ends", opset, 10);
    const auto axes_given = ints_operand(node, in, 3, "axes", opset, 10);
    const auto steps_given = ints_operand(node, in, 4, "steps", opset, 10);
    if (!starts || !*starts || !ends || !*ends || !axes_given || !steps_given) return std::nullopt;
    const size_t n = (*starts)->size();
    std::vector<int64_t> axes(n), steps(n, 1);
    for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
    if (*axes_given) axes = **axes_given;
    if (*steps_given) steps = **steps_given;
    if ((*ends)->size() != n || axes.size() != n || steps.size() != n) return std::nullopt;
    const int64_t rank = src.rank();
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1);
    Shape shape = src.shape();
    std::set<int64_t> seen;
    for (size_t i = 0; i < n; ++i) {
        auto axis = normalize_axis(axes[i], rank);
        if (!axis || !seen.insert(*axis).second || steps[i] == 0) return std::nullopt;
        const int64_t dim = src.dim(*axis);
        int64_t s = (**starts)[i], e = (**ends)[i];
        const int64_t st = steps[i];
        if (s < 0) s = s < -dim ? 0 : s + dim;
        if (e < 0) e = e < -dim ? -1 : e + dim;
        int64_t count = 0;
        if (st > 0) {
            s = std::clamp<int64_t>(s, 0, dim);
            e = std::clamp<int64_t>(e, 0, dim);
            count = e > s ? (e - s + st - 1) / st : 0;
        } else {
            s = std::clamp<int64_t>(s, 0, dim - 1);
            e = std::clamp<int64_t>(e, -1, dim - 1);
            count = s > e ? (s - e - st - 1) / -st : 0;
        }
        begin[static_cast<size_t>(*axis)] = s;
        step[static_cast<size_t>(*axis)] = st;
        shape[static_cast<size_t>(*axis)] = count;
    }
    Tensor dst(src.dtype(), shape);
    const auto src_strides = strides_of(src.shape());
    const auto dst_strides = strides_of(shape);
    const size_t elem = dtype_size(src.dtype());
    for (int64_t i = 0; i < dst.numel(); ++i) {
        int64_t rest = i, from = 0;
        for (size_t d = 0; d < static_cast<size_t>(rank); ++d) {
            const int64_t coord = rest / dst_strides[d];
            rest %= dst_strides[d];
            from += (begin[d] + coord * step[d]) * src_strides[d];
        }
        std::memcpy(bytes_of(dst) + static_cast<size_t>(i) * elem, bytes_of(src) + static_cast<size_t>(from) * elem, elem);
    }
    return single(std::move(dst));
}

Outputs eval_cast(const Node& node, const Tensor& src) {
    const auto to = dtype_from_onnx_code(node.attr_int("to", 0));
    if (!to) return std::nullopt;
    if (src.dtype() == DType::F32 && *to != DType::F32) {
        // Out-of-range float-to-int conversion is undefined; leave it to the runtime.
        const double lo = *to == DType::I8 ? -128.0 : *to == DType::U8 ? 0.0 : *to == DType::I32 ? -2147483648.0 : -9.2e18;
        const double hi = *to == DType::I8 ? 127.0 : *to == DType::U8 ? 255.0 : *to == DType::I32 ? 2147483647.0 : 9.2e18;
        for (float v : src.to_floats())
            if (!std::isfinite(v) || v < lo || v > hi) return std::nullopt;
    }
    return single(src.cast(*to));
}

Outputs eval_constant_of_shape(const Node& node, const Tensor& shape_tensor) {
    if (shape_tensor.dtype() != DType::I64) return std::nullopt;
    const Shape shape = shape_tensor.to_ints();
    if (!bounded_numel(shape)) return std::nullopt;
    Tensor value = Tensor::scalar(0.0f);
    if (auto it = node.attributes.find("value"); it != node.attributes.end()) {
        const auto* t = std::get_if<Tensor>(&it->second);
        if (!t || t->numel() != 1) return std::nullopt;
        value = *t;
    }
    Tensor dst(value.dtype(), shape);
    const size_t elem = dtype_size(value.dtype());
    for (int64_t i = 0; i < dst.numel(); ++i)
        std::memcpy(bytes_of(dst) + static_cast<size_t>(i) * elem, value.raw(), elem);
    return single(std::move(dst));
}

std::optional<Shape> broadcast_shape(const Shape& a, const Shape& b) {
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da != db && da != 1 && db != 1) return std::nullopt;
        out[i] = da == 1 ? db : da;
    }
    return out;
}

/// Strides of `shape` seen through an output of rank `rank`, 0 along broadcast dimensions.
std::vector<int64_t> broadcast_strides(const Shape& shape, size_t rank) {
    const auto own = strides_of(shape);
    std::vector<int64_t> out(rank, 0);
    const size_t offset = rank - shape.size();
    for (size_t i = 0; i < shape.size(); ++i) out[offset + i] = shape[i] == 1 ? 0 : own[i];
    return out;
}

template <typename T>
std::optional<T> apply_binary(const std::string& op, T x, T y) {
    if constexpr (std::is_floating_point_v<T>) {
        if (op == "Add") return x + y;
        if (op == "Sub") return x - y;
        if (op == "Mul") return x * y;
        return x / y;
    } else {
        // Wrap-around like the runtimes instead of signed-overflow UB.
        using U = std::make_unsigned_t<T>;
        if (op == "Add") return static_cast<T>(static_cast<U>(x) + static_cast<U>(y));
        if (op == "Sub") return static_cast<T>(static_cast<U>(x) - static_cast<U>(y));
        if (op == "Mul") return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
        if (y == 0 || (x == std::numeric_limits<T>::min() && y == -1)) return std::nullopt;
        return static_cast<T>(x / y);
    }
}

template <typename T>
Outputs eval_binary_typed(const std::string& op, const Tensor& a, const Tensor& b, const Shape& shape) {
    Tensor dst(a.dtype(), shape);
    const auto sa = broadcast_strides(a.shape(), shape.size());
    const auto sb = broadcast_strides(b.shape(), shape.size());
    const auto so = strides_of(shape);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* out = dst.data<T>();
    for (int64_t i = 0; i < dst.numel(); ++i) {
        int64_t rest = i, ia = 0, ib = 0;
        for (size_t d = 0; d < shape.size(); ++d) {
            const int64_t coord = rest / so[d];
            rest %= so[d];
            ia += coord * sa[d];
            ib += coord * sb[d];
        }
        const auto v = apply_binary<T>(op, pa[ia], pb[ib]);
        if (!v) return std::nullopt;
        out[i] = *v;
    }
    return single(std::move(dst));
}

Outputs eval_binary(const Node& node, const std::vector<const Tensor*>& in) {
    if (in.size() != 2 || !in[1] || in[0]->dtype() != in[1]->dtype()) return std::nullopt;
    const auto shape = broadcast_shape(in[0]->shape(), in[1]->shape());
    if (!shape || !bounded_numel(*shape)) return std::nullopt;
    switch (in[0]->dtype()) {
        case DType::F32: return eval_binary_typed<float>(node.op_type, *in[0], *in[1], *shape);
        case DType::I32: return eval_binary_typed<int32_t>(node.op_type, *in[0], *in[1], *shape);
        case DType::I64: return eval_binary_typed<int64_t>(node.op_type, *in[0], *in[1], *shape);
        default: return std::nullopt;
    }
}

const std::set<std::string>& foldable_ops() {
    static const std::set<std::string> ops = {
        "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Cast", "Slice", "Add",
        "Sub", "Mul", "Div", "Transpose", "Identity", "ConstantOfShape"};
    return ops;
}
}  // namespace

bool is_foldable_op(const Node& node) {
    return (node.domain.empty() || node.domain == "ai.onnx") && foldable_ops().count(node.op_type) != 0;
}

Tensor evaluate_shape(const Node& node, const Shape& shape) {
    const auto rank = static_cast<int64_t>(shape.size());
    const auto clamp_index = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
    const int64_t start = clamp_index(node.attr_int("start", 0));
    const int64_t end = clamp_index(node.attr_int("end", rank));
    std::vector<int64_t> dims;
    for (int64_t d = start; d < end; ++d) dims.push_back(shape[static_cast<size_t>(d)]);
    return Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims);
}

std::optional<std::vector<Tensor>> evaluate_constant_node(const Node& node,
                                                          const std::vector<const Tensor*>& inputs,
                                                          int64_t opset) {
    if (!is_foldable_op(node) || inputs.empty() || inputs[0] == nullptr) return std::nullopt;
    const std::string& op = node.op_type;
    if (op == "Identity") return single(*inputs[0]);
    if (op == "Unsqueeze") return eval_unsqueeze(node, inputs, opset);
    if (op == "Squeeze") return eval_squeeze(node, inputs, opset);
    if (op == "Reshape") return eval_reshape(node, inputs);
    if (op == "Concat") return eval_concat(node, inputs);
    if (op == "Gather") return eval_gather(node, inputs);
    if (op == "Transpose") return eval_transpose(node, *inputs[0]);
    if (op == "Slice") return eval_slice(node, inputs, opset);
    if (op == "Cast") return eval_cast(node, *inputs[0]);
    if (op == "ConstantOfShape") return eval_constant_of_shape(node, *inputs[0]);
    return eval_binary(node, inputs);
}

}  // namespace pot::core::transforms
