#include "array_conversion.hpp"

#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "pot/error.hpp"

namespace py = pybind11;

namespace pot::python {

namespace {

// The element of a numpy array as one of the C++ types the copy loops are instantiated for.
enum class SourceType { F32, F64, I8, U8, I16, U16, I32, U32, I64, U64, Bool };

SourceType source_type_of(const py::array& array, const std::string& what) {
    const py::dtype dtype = array.dtype();
    POT_CHECK_KIND(Input, dtype.attr("isnative").cast<bool>(), what, ": the array's byte order is not "
                   "this machine's; convert it with array.astype(array.dtype.newbyteorder('='))");
    const char kind = dtype.kind();
    const auto bytes = dtype.itemsize();
    if (kind == 'b') return SourceType::Bool;
    if (kind == 'f' && bytes == 4) return SourceType::F32;
    if (kind == 'f' && bytes == 8) return SourceType::F64;
    if (kind == 'i' || kind == 'u') {
        const bool is_signed = kind == 'i';
        switch (bytes) {
            case 1: return is_signed ? SourceType::I8 : SourceType::U8;
            case 2: return is_signed ? SourceType::I16 : SourceType::U16;
            case 4: return is_signed ? SourceType::I32 : SourceType::U32;
            case 8: return is_signed ? SourceType::I64 : SourceType::U64;
            default: break;
        }
    }
    POT_THROW(Input, what, ": arrays of ", dtype.attr("name").cast<std::string>(),
              " cannot be read; give float32, float64, an integer type or bool");
}

template <typename Dst, typename Src>
Dst convert_element(Src value, const std::string& what) {
    if constexpr (std::is_same_v<Dst, float>) {
        return static_cast<float>(value);
    } else if constexpr (std::is_same_v<Dst, bool>) {
        return value != Src{0};
    } else {
        static_assert(std::is_integral_v<Src>, "float sources are refused before the copy");
        if constexpr (std::is_same_v<Src, bool>) {
            return static_cast<Dst>(value);
        } else {
            POT_CHECK_KIND(Input, std::in_range<Dst>(value), what, ": value ", +value, " does not fit ",
                           dtype_name(dtype_of<Dst>()));
            return static_cast<Dst>(value);
        }
    }
}

// Walks the array's elements in row-major order, whatever its strides, writing `dst` in order.
template <typename Dst, typename Src>
void copy_strided(const py::array& array, Dst* dst, const std::string& what) {
    if (array.size() == 0) return;
    const auto* base = static_cast<const char*>(array.data());
    const auto rank = static_cast<size_t>(array.ndim());
    if (rank == 0) {
        *dst = convert_element<Dst>(*reinterpret_cast<const Src*>(base), what);
        return;
    }
    std::vector<py::ssize_t> index(rank, 0);
    const py::ssize_t inner = array.shape(rank - 1), inner_stride = array.strides(rank - 1);
    for (;;) {
        const char* row = base;
        for (size_t d = 0; d + 1 < rank; ++d) row += index[d] * array.strides(d);
        for (py::ssize_t i = 0; i < inner; ++i)
            *dst++ = convert_element<Dst>(*reinterpret_cast<const Src*>(row + i * inner_stride), what);
        // The next row: the outer indices count up like an odometer.
        size_t d = rank - 1;
        for (;;) {
            if (d == 0) return;
            --d;
            if (++index[d] < array.shape(d)) break;
            index[d] = 0;
        }
    }
}

template <typename Dst>
void copy_converted(const py::array& array, SourceType source, Dst* dst, const std::string& what) {
    switch (source) {
        case SourceType::F32:
        case SourceType::F64:
            if constexpr (std::is_same_v<Dst, float>) {
                if (source == SourceType::F32) return copy_strided<Dst, float>(array, dst, what);
                return copy_strided<Dst, double>(array, dst, what);
            } else {
                POT_THROW(Input, what, ": float data for an input of type ", dtype_name(dtype_of<Dst>()),
                          "; give an integer array (floats are not truncated silently)");
            }
        case SourceType::I8: return copy_strided<Dst, int8_t>(array, dst, what);
        case SourceType::U8: return copy_strided<Dst, uint8_t>(array, dst, what);
        case SourceType::I16: return copy_strided<Dst, int16_t>(array, dst, what);
        case SourceType::U16: return copy_strided<Dst, uint16_t>(array, dst, what);
        case SourceType::I32: return copy_strided<Dst, int32_t>(array, dst, what);
        case SourceType::U32: return copy_strided<Dst, uint32_t>(array, dst, what);
        case SourceType::I64: return copy_strided<Dst, int64_t>(array, dst, what);
        case SourceType::U64: return copy_strided<Dst, uint64_t>(array, dst, what);
        case SourceType::Bool: return copy_strided<Dst, bool>(array, dst, what);
    }
}

bool same_element_type(SourceType source, DType dtype) {
    switch (dtype) {
        case DType::F32: return source == SourceType::F32;
        case DType::I8: return source == SourceType::I8;
        case DType::U8: return source == SourceType::U8;
        case DType::I32: return source == SourceType::I32;
        case DType::I64: return source == SourceType::I64;
        case DType::Bool: return source == SourceType::Bool;
    }
    return false;
}

void check_shape(const py::array& array, const ValueInfo& input, const std::string& what) {
    Shape shape(array.shape(), array.shape() + array.ndim());
    bool matches = shape.size() == input.shape.size();
    for (size_t d = 0; matches && d < shape.size(); ++d)
        matches = input.shape[d] < 0 || input.shape[d] == shape[d];
    POT_CHECK_KIND(Input, matches, what, ": expected an array of shape ", shape_str(input.shape),
                   " (-1: any size; the first dimension is the batch of 1), got ", shape_str(shape));
}

}  // namespace

Tensor tensor_from_array(const py::array& array, const ValueInfo& input, const std::string& what) {
    check_shape(array, input, what);
    const SourceType source = source_type_of(array, what);
    Tensor tensor(input.dtype, Shape(array.shape(), array.shape() + array.ndim()));
    if (same_element_type(source, input.dtype) && (array.flags() & py::array::c_style)) {
        std::memcpy(tensor.raw(), array.data(), tensor.byte_size());
        return tensor;
    }
    switch (input.dtype) {
        case DType::F32: copy_converted(array, source, tensor.data<float>(), what); break;
        case DType::I8: copy_converted(array, source, tensor.data<int8_t>(), what); break;
        case DType::U8: copy_converted(array, source, tensor.data<uint8_t>(), what); break;
        case DType::I32: copy_converted(array, source, tensor.data<int32_t>(), what); break;
        case DType::I64: copy_converted(array, source, tensor.data<int64_t>(), what); break;
        case DType::Bool: copy_converted(array, source, tensor.data<bool>(), what); break;
    }
    return tensor;
}

py::array array_from_tensor(const Tensor& tensor) {
    const py::dtype dtype = [&] {
        switch (tensor.dtype()) {
            case DType::F32: return py::dtype::of<float>();
            case DType::I8: return py::dtype::of<int8_t>();
            case DType::U8: return py::dtype::of<uint8_t>();
            case DType::I32: return py::dtype::of<int32_t>();
            case DType::I64: return py::dtype::of<int64_t>();
            case DType::Bool: return py::dtype::of<bool>();
        }
        POT_THROW(Runtime, "tensor of unknown element type ", static_cast<int>(tensor.dtype()));
    }();
    py::array array(dtype, std::vector<py::ssize_t>(tensor.shape().begin(), tensor.shape().end()));
    std::memcpy(array.mutable_data(), tensor.raw(), tensor.byte_size());
    return array;
}

}  // namespace pot::python
