#include "npy.hpp"

#include "pot/core/npy.hpp"

namespace pot::test {

// The host already reads and writes .npy for data sets; tests use the same code so a file the
// harness writes is read exactly as pot-host would read it.
Tensor read_npy(const std::filesystem::path& file) { return core::read_npy(file); }

void write_npy(const std::filesystem::path& file, const Tensor& tensor) { core::write_npy(file, tensor); }

}  // namespace pot::test
