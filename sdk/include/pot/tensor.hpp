#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "pot/error.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// Element types a tensor can hold. `Bool` (one byte per element, 0 or 1) was added in ABI 2.4;
/// code written for 2.0-2.3 that switches over the types should reject values it does not know.
/// @since ABI 2.0
enum class DType : uint8_t { F32, I8, U8, I32, I64, Bool };

/// Bytes per element.
/// @since ABI 2.0
POT_SDK_VISIBLE size_t dtype_size(DType dtype);
/// "f32", "i8", ...
/// @since ABI 2.0
POT_SDK_VISIBLE const char* dtype_name(DType dtype);

/// @since ABI 2.0
template <typename T>
constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, float>) return DType::F32;
    else if constexpr (std::is_same_v<T, int8_t>) return DType::I8;
    else if constexpr (std::is_same_v<T, uint8_t>) return DType::U8;
    else if constexpr (std::is_same_v<T, int32_t>) return DType::I32;
    else if constexpr (std::is_same_v<T, bool>) return DType::Bool;
    else {
        static_assert(std::is_same_v<T, int64_t>, "unsupported tensor element type");
        return DType::I64;
    }
}

class Tensor;
/// Sets every byte of a Bool tensor filled from outside (a file, a memcpy) to 0 or 1, so that it
/// holds valid `bool` values (any non-zero byte is true).
/// @since ABI 2.4
POT_SDK_VISIBLE void normalize_bools(Tensor& tensor);

/// Dimensions, outermost first. -1 marks a dimension unknown until run time.
using Shape = std::vector<int64_t>;

/// Number of elements; 1 for a scalar (empty shape). Throws on a negative dimension.
/// @since ABI 2.0
POT_SDK_VISIBLE int64_t shape_numel(const Shape& shape);
/// "[1,3,224,224]"
/// @since ABI 2.0
POT_SDK_VISIBLE std::string shape_str(const Shape& shape);

/// Allocator that aligns storage to 64 bytes so kernels may use aligned vector loads.
/// @since ABI 2.0
template <typename T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::align_val_t kAlignment{64};
    AlignedAllocator() = default;
    template <typename U>
    AlignedAllocator(const AlignedAllocator<U>&) {}
    T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
    void deallocate(T* p, size_t) { ::operator delete(p, kAlignment); }
    template <typename U>
    bool operator==(const AlignedAllocator<U>&) const { return true; }
};

/// A dense, row-major tensor that owns its storage. Copies are deep.
/// @since ABI 2.0
class POT_SDK_VISIBLE Tensor {
public:
    Tensor() = default;
    /// Zero-filled tensor of the given type and shape.
    Tensor(DType dtype, Shape shape);

    /// Tensor holding a copy of `values`; values.size() must equal shape_numel(shape).
    template <typename T>
    static Tensor from_vector(Shape shape, const std::vector<T>& values) {
        Tensor t(dtype_of<T>(), std::move(shape));
        POT_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "tensor of shape ",
                  shape_str(t.shape()), " needs ", t.numel(), " values, got ", values.size());
        std::copy(values.begin(), values.end(), t.data<T>());
        return t;
    }
    /// Scalar f32 tensor (shape []).
    static Tensor scalar(float value) { return from_vector<float>({}, {value}); }

    DType dtype() const { return dtype_; }
    const Shape& shape() const { return shape_; }
    int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
    int64_t dim(int64_t i) const { return shape_.at(static_cast<size_t>(i < 0 ? i + rank() : i)); }
    int64_t numel() const { return numel_; }
    size_t byte_size() const { return bytes_.size(); }
    bool empty() const { return bytes_.empty() && shape_.empty() && numel_ == 0; }

    template <typename T>
    T* data() {
        check_type(dtype_of<T>());
        return reinterpret_cast<T*>(bytes_.data());
    }
    template <typename T>
    const T* data() const {
        check_type(dtype_of<T>());
        return reinterpret_cast<const T*>(bytes_.data());
    }
    void* raw() { return bytes_.data(); }
    const void* raw() const { return bytes_.data(); }

    /// Same data, new shape with the same element count. One dimension may be -1.
    Tensor reshaped(Shape shape) const;
    /// Values converted to float (any dtype).
    std::vector<float> to_floats() const;
    /// Values converted to int64 (any dtype; floats truncated).
    std::vector<int64_t> to_ints() const;
    /// Element-wise copy converted to `dtype` (float -> int truncates).
    Tensor cast(DType dtype) const;

private:
    void check_type(DType wanted) const;

    DType dtype_ = DType::F32;
    Shape shape_;
    int64_t numel_ = 0;
    std::vector<std::byte, AlignedAllocator<std::byte>> bytes_;
};

}  // namespace pot
