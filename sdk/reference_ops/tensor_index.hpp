#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "pot/tensor.hpp"

namespace pot::reference {

/// `axis` made non-negative for a tensor of `rank`; throws when outside [-rank, rank).
int64_t normalize_axis(int64_t axis, int64_t rank);

/// Row-major element strides of `shape` (the last dimension has stride 1).
Shape strides_of(const Shape& shape);

/// Numpy multidirectional broadcast of two shapes; throws naming both when they do not match.
Shape broadcast_shapes(const Shape& a, const Shape& b);

/// Strides for reading a tensor of shape `src` as if it had the broadcast shape `dst`:
/// right-aligned, with stride 0 where `src` has size 1 or lacks the dimension.
Shape broadcast_strides(const Shape& src, const Shape& dst);

/// Calls f(index) for every multi-index of `shape` in row-major order; `index` has shape.size()
/// entries and is only valid during the call.
template <typename F>
void for_each_index(const Shape& shape, F&& f) {
    const int64_t count = shape_numel(shape);
    std::vector<int64_t> index(shape.size(), 0);
    for (int64_t flat = 0; flat < count; ++flat) {
        f(static_cast<const std::vector<int64_t>&>(index));
        for (size_t d = shape.size(); d-- > 0;) {
            if (++index[d] < shape[d]) break;
            index[d] = 0;
        }
    }
}

/// Dot product of an index with strides: the flat offset of that element.
inline int64_t offset_of(const std::vector<int64_t>& index, const Shape& strides) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d) offset += index[d] * strides[d];
    return offset;
}

/// dst[i] = f(a[ia], b[ib]) over the numpy broadcast of both shapes; A, B and the result R may
/// differ in type.
template <typename R, typename A, typename B, typename F>
Tensor broadcast_apply(const Tensor& a, const Tensor& b, F f) {
    const Shape shape = broadcast_shapes(a.shape(), b.shape());
    const Shape a_strides = broadcast_strides(a.shape(), shape);
    const Shape b_strides = broadcast_strides(b.shape(), shape);
    Tensor dst(dtype_of<R>(), shape);
    const A* pa = a.data<A>();
    const B* pb = b.data<B>();
    R* out = dst.data<R>();
    int64_t i = 0;
    for_each_index(shape, [&](const std::vector<int64_t>& index) {
        out[i++] = f(pa[offset_of(index, a_strides)], pb[offset_of(index, b_strides)]);
    });
    return dst;
}

/// Calls f(tag) with a value-initialised element of `dtype`'s C++ type, so generic kernels can
/// write `using T = decltype(tag);`.
template <typename F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
    switch (dtype) {
        case DType::F32:
            return f(float{});
        case DType::I8:
            return f(int8_t{});
        case DType::U8:
            return f(uint8_t{});
        case DType::I32:
            return f(int32_t{});
        case DType::I64:
            return f(int64_t{});
        case DType::Bool:
            return f(bool{});
    }
    POT_THROW(Runtime, "unknown element type ", static_cast<int>(dtype));
}

/// Copies element `src_index` of `src` to element `dst_index` of `dst` (same dtype, any type).
inline void copy_element(const Tensor& src, int64_t src_index, Tensor& dst, int64_t dst_index) {
    const size_t size = dtype_size(src.dtype());
    std::memcpy(static_cast<std::byte*>(dst.raw()) + static_cast<size_t>(dst_index) * size,
                static_cast<const std::byte*>(src.raw()) + static_cast<size_t>(src_index) * size,
                size);
}

/// Most elements an op may create from sizes given in its inputs (Expand, Tile, Range,
/// ConstantOfShape): 2^28, 1 GiB of f32. A larger request is refused before anything is allocated.
inline constexpr int64_t kMaxGeneratedElements = int64_t{1} << 28;

/// Throws, naming `op`, when `shape` is invalid or holds more than kMaxGeneratedElements elements.
void check_generated_size(const Shape& shape, const char* op);

/// The values of an integer (or float) tensor as int64, e.g. a shape or axes input.
std::vector<int64_t> read_ints(const Tensor& t);

/// The single value of a one-element tensor, converted to float.
float read_scalar(const Tensor& t);

}  // namespace pot::reference
