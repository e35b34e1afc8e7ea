// Encoded image bytes (PNG, JPEG, BMP, TIFF) through the decoding and preprocessing an image
// folder applies to each file. The first byte picks the input and preprocessing
// (preprocessing_choice.hpp); the rest is the image file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pot/core/dataset.hpp"
#include "pot/error.hpp"
#include "preprocessing_choice.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const auto choice = pot::fuzz::preprocessing_choice(data[0]);
    try {
        const std::string image(reinterpret_cast<const char*>(data) + 1, size - 1);
        pot::core::decode_image_sample(image, choice.pre, choice.input, "fuzz.png");
    } catch (const pot::Error&) {
        // A rejected image. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
