// Annotation text (class-index lines, or a JSON object of annotations) through the annotation reader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pot/core/dataset.hpp"
#include "pot/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        pot::core::parse_annotations(std::string(reinterpret_cast<const char*>(data), size), "fuzz.txt");
    } catch (const pot::Error&) {
        // A rejected file. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
