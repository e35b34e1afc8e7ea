// Configuration text through the reader and validator pot-host runs on -c.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pot/core/config.hpp"
#include "pot/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        pot::core::parse_config(std::string(reinterpret_cast<const char*>(data), size),
                                "/nonexistent/fuzz", "fuzz.json");
    } catch (const pot::Error&) {
        // A rejected config. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
