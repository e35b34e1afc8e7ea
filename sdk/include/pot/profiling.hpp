#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// Time one step of a compiled model took, as `pot-host benchmark -pc` prints it.
/// @since ABI 2.4
struct NodeTime {
    std::string node;            ///< graph node ("" for a conversion between nodes)
    std::string op;              ///< its op type, or what the step does ("reorder")
    std::string implementation;  ///< the kernel that ran ("jit:avx512_core_vnni", "reference")
    double total_ms = 0;         ///< summed over every profiled run
};

/// Optional interface of a CompiledModel that times its steps (found with dynamic_cast):
///
///     if (auto* p = dynamic_cast<pot::ProfilingModel*>(&model)) times = p->profile(inputs, 20);
///
/// @since ABI 2.4
class POT_SDK_VISIBLE ProfilingModel {
public:
    virtual ~ProfilingModel() = default;
    /// Runs the model `iterations` times on `inputs` (after one untimed run) and returns the
    /// time of each step, in execution order. Timing adds a synchronisation after every step, so
    /// the sum is a little above the latency of an unprofiled run.
    virtual std::vector<NodeTime> profile(const std::vector<Tensor>& inputs, int64_t iterations) = 0;
};

}  // namespace pot
