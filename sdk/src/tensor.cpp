#include "pot/tensor.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace pot {

size_t dtype_size(DType dtype) {
    switch (dtype) {
        case DType::F32: return 4;
        case DType::I8: return 1;
        case DType::U8: return 1;
        case DType::I32: return 4;
        case DType::I64: return 8;
        case DType::Bool: return 1;
    }
    POT_THROW(Runtime, "unknown element type ", static_cast<int>(dtype));
}

const char* dtype_name(DType dtype) {
    switch (dtype) {
        case DType::F32: return "f32";
        case DType::I8: return "i8";
        case DType::U8: return "u8";
        case DType::I32: return "i32";
        case DType::I64: return "i64";
        case DType::Bool: return "bool";
    }
    return "unknown";
}

int64_t shape_numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        POT_CHECK(d >= 0, "shape ", shape_str(shape), " has an unknown or negative dimension");
        POT_CHECK(!__builtin_mul_overflow(n, d, &n), "shape ", shape_str(shape),
                  " has more elements than can be counted");
    }
    return n;
}

std::string shape_str(const Shape& shape) {
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
    out << ']';
    return out.str();
}

void normalize_bools(Tensor& tensor) {
    POT_CHECK(tensor.dtype() == DType::Bool, "normalize_bools on a ", dtype_name(tensor.dtype()),
              " tensor");
    auto* bytes = static_cast<uint8_t*>(tensor.raw());
    for (size_t i = 0; i < tensor.byte_size(); ++i) bytes[i] = bytes[i] != 0;
}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shape_numel(shape_)),
      bytes_(static_cast<size_t>(numel_) * dtype_size(dtype), std::byte{0}) {}

void Tensor::check_type(DType wanted) const {
    POT_CHECK(wanted == dtype_, "tensor of type ", dtype_name(dtype_), " read as ",
              dtype_name(wanted));
}

Tensor Tensor::reshaped(Shape shape) const {
    int64_t known = 1, unknown_at = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            POT_CHECK(unknown_at < 0, "reshape to ", shape_str(shape), ": more than one -1");
            unknown_at = static_cast<int64_t>(i);
        } else {
            known *= shape[i];
        }
    }
    if (unknown_at >= 0) {
        POT_CHECK(known > 0 && numel_ % known == 0, "cannot reshape ", shape_str(shape_), " to ",
                  shape_str(shape));
        shape[static_cast<size_t>(unknown_at)] = numel_ / known;
    }
    POT_CHECK(shape_numel(shape) == numel_, "cannot reshape ", shape_str(shape_), " (", numel_,
              " elements) to ", shape_str(shape));
    Tensor out = *this;
    out.shape_ = std::move(shape);
    return out;
}

namespace {
template <typename To>
std::vector<To> convert_all(const Tensor& t) {
    std::vector<To> out(static_cast<size_t>(t.numel()));
    auto fill = [&](const auto* src) {
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<To>(src[i]);
    };
    switch (t.dtype()) {
        case DType::F32: fill(t.data<float>()); break;
        case DType::I8: fill(t.data<int8_t>()); break;
        case DType::U8: fill(t.data<uint8_t>()); break;
        case DType::I32: fill(t.data<int32_t>()); break;
        case DType::I64: fill(t.data<int64_t>()); break;
        case DType::Bool: fill(t.data<bool>()); break;
    }
    return out;
}
}  // namespace

std::vector<float> Tensor::to_floats() const { return convert_all<float>(*this); }
std::vector<int64_t> Tensor::to_ints() const { return convert_all<int64_t>(*this); }

Tensor Tensor::cast(DType dtype) const {
    if (dtype == dtype_) return *this;
    Tensor out(dtype, shape_);
    auto store = [&](auto* dst) {
        using T = std::remove_pointer_t<decltype(dst)>;
        if (dtype_ == DType::F32) {
            const float* src = data<float>();
            for (int64_t i = 0; i < numel_; ++i) dst[i] = static_cast<T>(src[i]);
        } else {
            const auto src = to_ints();
            for (int64_t i = 0; i < numel_; ++i) dst[i] = static_cast<T>(src[static_cast<size_t>(i)]);
        }
    };
    switch (dtype) {
        case DType::F32: {
            const auto v = to_floats();
            std::copy(v.begin(), v.end(), out.data<float>());
            break;
        }
        case DType::I8: store(out.data<int8_t>()); break;
        case DType::U8: store(out.data<uint8_t>()); break;
        case DType::I32: store(out.data<int32_t>()); break;
        case DType::I64: store(out.data<int64_t>()); break;
        case DType::Bool: {
            // Any non-zero value is true, as ONNX's Cast to BOOL.
            const auto v = to_floats();
            bool* dst = out.data<bool>();
            for (int64_t i = 0; i < numel_; ++i) dst[i] = v[static_cast<size_t>(i)] != 0.0f;
            break;
        }
    }
    return out;
}

}  // namespace pot
