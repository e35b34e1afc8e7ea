#pragma once

#include <filesystem>
#include <string>

#include "pot/tensor.hpp"

namespace pot::core {

/// Reads a .npy file (format 1.x/2.x, little endian, C order) of f32, i8, u8, i32, i64, or f64
/// (converted to f32). Throws pot::Error(Input) naming the file on anything else.
Tensor read_npy(const std::filesystem::path& file);
/// Parses .npy bytes; `origin` names the source in messages.
Tensor parse_npy(const std::string& bytes, const std::string& origin);
/// Writes `tensor` as .npy format 1.0.
void write_npy(const std::filesystem::path& file, const Tensor& tensor);

}  // namespace pot::core
