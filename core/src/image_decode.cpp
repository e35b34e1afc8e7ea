#include "image_decode.hpp"

#include <cstdlib>

#include <opencv2/imgcodecs.hpp>

#include "pot/core/config.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace pot::core {

namespace {

// A compressed image may be any size; its header, not the file size, bounds the decoded one.
constexpr uint64_t kMaxImageFileBytes = uint64_t{256} << 20;

uint32_t byte_at(std::string_view b, size_t at) { return static_cast<uint8_t>(b[at]); }

uint32_t be16(std::string_view b, size_t at) { return byte_at(b, at) << 8 | byte_at(b, at + 1); }
uint32_t be32(std::string_view b, size_t at) { return be16(b, at) << 16 | be16(b, at + 2); }
uint32_t le16(std::string_view b, size_t at) { return byte_at(b, at) | byte_at(b, at + 1) << 8; }
uint32_t le32(std::string_view b, size_t at) { return le16(b, at) | le16(b, at + 2) << 16; }

bool starts_with(std::string_view b, std::string_view prefix) { return b.substr(0, prefix.size()) == prefix; }

std::optional<ImageSize> png_size(std::string_view b) {
    // The IHDR chunk comes first: length, "IHDR", width, height (big endian).
    if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
    return ImageSize{be32(b, 16), be32(b, 20)};
}

std::optional<ImageSize> bmp_size(std::string_view b) {
    if (b.size() < 26) return std::nullopt;
    if (le32(b, 14) == 12) return ImageSize{le16(b, 18), le16(b, 20)};  // OS/2 core header
    // Signed: a negative height means rows stored top-down.
    const auto width = static_cast<int32_t>(le32(b, 18)), height = static_cast<int32_t>(le32(b, 22));
    return ImageSize{std::llabs(width), std::llabs(height)};
}

bool is_jpeg_frame_marker(uint32_t marker) {
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::optional<ImageSize> jpeg_size(std::string_view b) {
    size_t at = 2;
    while (at + 4 <= b.size()) {
        if (byte_at(b, at) != 0xFF) return std::nullopt;
        const uint32_t marker = byte_at(b, at + 1);
        if (marker == 0xFF) {  // fill byte
            ++at;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // no length field
            at += 2;
            continue;
        }
        if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // image data before any frame
        const size_t length = be16(b, at + 2);
        if (is_jpeg_frame_marker(marker)) {
            if (length < 7 || at + 9 > b.size()) return std::nullopt;
            return ImageSize{be16(b, at + 7), be16(b, at + 5)};
        }
        if (length < 2) return std::nullopt;
        at += 2 + length;
    }
    return std::nullopt;
}

std::optional<ImageSize> tiff_size(std::string_view b) {
    const bool little = b[0] == 'I';
    auto u16 = [&](size_t at) { return little ? le16(b, at) : be16(b, at); };
    auto u32 = [&](size_t at) { return little ? le32(b, at) : be32(b, at); };
    if (b.size() < 8) return std::nullopt;
    const size_t ifd = u32(4);
    if (ifd > b.size() || b.size() - ifd < 2) return std::nullopt;
    const size_t entries = u16(ifd);
    std::optional<int64_t> width, height;
    for (size_t i = 0; i < entries; ++i) {
        const size_t at = ifd + 2 + i * 12;
        if (at + 12 > b.size()) return std::nullopt;
        const uint32_t tag = u16(at), type = u16(at + 2);
        if (tag != 256 && tag != 257) continue;  // ImageWidth, ImageLength
        if (type != 3 && type != 4) return std::nullopt;  // SHORT or LONG
        const int64_t value = type == 3 ? u16(at + 8) : u32(at + 8);
        (tag == 256 ? width : height) = value;
    }
    if (!width || !height) return std::nullopt;
    return ImageSize{*width, *height};
}

}  // namespace

std::optional<ImageSize> probe_image_size(std::string_view bytes) {
    if (starts_with(bytes, "\x89PNG\r\n\x1a\n")) return png_size(bytes);
    if (starts_with(bytes, "\xff\xd8\xff")) return jpeg_size(bytes);
    if (starts_with(bytes, "BM")) return bmp_size(bytes);
    if (starts_with(bytes, std::string_view("II*\0", 4)) || starts_with(bytes, std::string_view("MM\0*", 4)))
        return tiff_size(bytes);
    return std::nullopt;
}

bool image_size_allowed(int64_t height, int64_t width) {
    return height <= kMaxImageSide && width <= kMaxImageSide && height * width <= kMaxImagePixels;
}

cv::Mat decode_image_bytes(std::string_view bytes, bool gray, const std::string& origin) {
    const auto size = probe_image_size(bytes);
    POT_CHECK_KIND(Input, size.has_value(), origin,
                   ": not a readable image (no PNG, JPEG, BMP or TIFF header)");
    POT_CHECK_KIND(Input, image_size_allowed(size->height, size->width), origin, ": image of ",
                   size->width, "x", size->height, " pixels; at most ", kMaxImageSide,
                   " pixels a side and ", kMaxImagePixels, " pixels in all are read");
    POT_CHECK_KIND(Input, bytes.size() <= kMaxImageFileBytes, origin, ": ", bytes.size(),
                   " bytes; images of at most ", kMaxImageFileBytes, " bytes are read");
    cv::Mat img;
    try {
        const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                              const_cast<char*>(bytes.data()));
        img = cv::imdecode(encoded, gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        POT_THROW(Input, origin, ": OpenCV failed to decode the image: ", e.what());
    }
    POT_CHECK_KIND(Input, !img.empty(), origin, ": not a readable image");
    return img;
}

cv::Mat decode_image(const std::filesystem::path& file, bool gray) {
    return decode_image_bytes(read_file_bounded(file, kMaxImageFileBytes, "image"), gray, file.string());
}

}  // namespace pot::core
