#pragma once

#include <filesystem>

#include "pot/tensor.hpp"

namespace pot::test {

/// Reads a .npy file (f32, i8, u8, i32, i64; f64 is converted to f32) into a tensor.
/// Throws pot::Error(Input) naming the file when it is missing or malformed.
Tensor read_npy(const std::filesystem::path& file);

/// Writes `tensor` as a .npy file (format 1.0, little endian, C order).
void write_npy(const std::filesystem::path& file, const Tensor& tensor);

}  // namespace pot::test
