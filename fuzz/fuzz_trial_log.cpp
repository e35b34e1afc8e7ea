// A tuning run's trial log (JSON lines, resumed by warm_start, fine_tune and eval) through its reader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pot/core/trial_log.hpp"
#include "pot/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        pot::core::TrialLog::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.trials.jsonl");
    } catch (const pot::Error&) {
        // A rejected log. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
