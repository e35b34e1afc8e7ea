#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pot/engine.hpp"
#include "pot/graph.hpp"
#include "pot/params.hpp"

namespace pot::cpu {

/// Runs a Graph with oneDNN primitives: FP32 where the model is float, real u8/s8 x s8 kernels
/// where FakeQuantize nodes surround Conv, Gemm and MatMul, and the reference engine's kernels for
/// ops oneDNN lacks. A compiled model builds a plan per input shapes (and observed values) on
/// first use and keeps it.
class CpuEngine : public Engine {
public:
    /// Params: {"threads": int (0 = all cores), "winograd": bool (default true: float 3x3 stride-1
    /// convolutions on Winograd kernels where oneDNN has them)}; unknown keys are rejected.
    explicit CpuEngine(const Params& params);
    CpuEngine();
    ~CpuEngine() override;

    std::string name() const override { return "cpu"; }
    /// Copies the graph and checks every op is covered by oneDNN or the reference kernels;
    /// throws naming the first node that is not.
    std::unique_ptr<CompiledModel> compile(const Graph& graph) override;
    EngineCapabilities capabilities() const override;
    /// As Engine::collect, but observed values reach the reducers in the order the plan keeps
    /// them rather than transposed into the plain layout (see StorageOrderObserver).
    Statistics collect(CompiledModel& model, const DataLoader& data, const std::vector<StatisticRequest>& requests,
                       const std::vector<size_t>& indices, Progress* progress) override;

    /// The plan `model` (made by a CpuEngine) last ran: one line per step with node, primitive
    /// kind, data types (src:weights:dst) and oneDNN implementation. Empty before its first infer().
    static std::string describe_plan(const CompiledModel& model);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace pot::cpu
