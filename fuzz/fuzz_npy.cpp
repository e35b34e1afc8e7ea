// .npy bytes through the reader of .npy data folders, and the cast a sample goes through when its
// element type differs from the model input's.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pot/core/npy.hpp"
#include "pot/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const std::string bytes(reinterpret_cast<const char*>(data), size);
        const pot::Tensor t = pot::core::parse_npy(bytes, "fuzz.npy");
        if (t.dtype() != pot::DType::F32) (void)t.cast(pot::DType::F32);
    } catch (const pot::Error&) {
        // A rejected file. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
