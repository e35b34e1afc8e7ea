#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "pot/tensor.hpp"

namespace pot::core {

/// Largest .npy file read_npy reads (one sample, or one statistic).
constexpr uint64_t kNpyMaxFileBytes = uint64_t{2} << 30;

/// Reads a .npy file (format 1.x/2.x, little endian, C order) of f32, i8, u8, i32, i64, or f64
/// (converted to f32). Throws pot::Error(Input) naming the file on anything else, on a file that
/// is not a regular file or is larger than kNpyMaxFileBytes.
Tensor read_npy(const std::filesystem::path& file);
/// Parses .npy bytes; `origin` names the source in messages. The header must be under 64 KiB and
/// the data must hold every element its shape declares; both are checked before allocating.
Tensor parse_npy(const std::string& bytes, const std::string& origin);
/// Writes `tensor` as .npy format 1.0.
void write_npy(const std::filesystem::path& file, const Tensor& tensor);

}  // namespace pot::core
