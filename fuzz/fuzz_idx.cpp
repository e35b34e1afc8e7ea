// MNIST idx files through the idx data set reader, reading its first samples. Input layout:
//   byte 0       input and preprocessing (preprocessing_choice.hpp)
//   bytes 1-2    length L of the idx1-ubyte label file, little endian; 0xffff: no label file
//   L bytes      the label file
//   the rest     the idx3-ubyte image file
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pot/core/dataset.hpp"
#include "pot/error.hpp"
#include "preprocessing_choice.hpp"

namespace {
constexpr size_t kHeaderBytes = 3;
constexpr uint16_t kNoLabels = 0xffff;
// Enough to reach the last sample's bytes without making every run slow.
constexpr size_t kSamplesRead = 4;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kHeaderBytes) return 0;
    const auto choice = pot::fuzz::preprocessing_choice(data[0]);
    const auto label_bytes = static_cast<uint16_t>(data[1] | (data[2] << 8));
    const char* rest = reinterpret_cast<const char*>(data) + kHeaderBytes;
    size_t rest_size = size - kHeaderBytes;
    std::optional<std::string> labels;
    if (label_bytes != kNoLabels) {
        const size_t n = std::min<size_t>(label_bytes, rest_size);
        labels.emplace(rest, n);
        rest += n;
        rest_size -= n;
    }
    try {
        const auto loader = pot::core::parse_idx(std::string(rest, rest_size), "fuzz-idx3-ubyte",
                                                 labels, "fuzz-idx1-ubyte", choice.pre, choice.input);
        const size_t n = loader->size();
        for (size_t i = 0; i < std::min(n, kSamplesRead); ++i) loader->get(i);
        if (n > kSamplesRead) loader->get(n - 1);
    } catch (const pot::Error&) {
        // A rejected file. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
