#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

namespace pot::core {

/// Width and height, in pixels, that an encoded image declares.
struct ImageSize {
    int64_t width = 0;
    int64_t height = 0;
};

/// The size an encoded PNG, JPEG, BMP or TIFF image declares in its header, read without
/// decoding anything. The format is told by its signature, as OpenCV does, not by the file name.
/// nullopt when `bytes` is none of these formats or its header is cut short.
std::optional<ImageSize> probe_image_size(std::string_view bytes);

/// True when an image of `height` x `width` pixels is within kMaxImageSide and kMaxImagePixels.
bool image_size_allowed(int64_t height, int64_t width);

/// Reads and decodes `file` as 8-bit gray or BGR. The file must be a regular file of at most
/// 256 MiB whose header declares a size image_size_allowed accepts: checked before the decoder
/// allocates. Throws pot::Error(Input) naming the file otherwise, or when OpenCV fails.
cv::Mat decode_image(const std::filesystem::path& file, bool gray);

/// decode_image() for encoded bytes held in memory; `origin` names them in messages.
cv::Mat decode_image_bytes(std::string_view bytes, bool gray, const std::string& origin);

}  // namespace pot::core
