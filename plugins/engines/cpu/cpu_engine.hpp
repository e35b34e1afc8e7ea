#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pot/engine.hpp"
#include "pot/graph.hpp"
#include "pot/params.hpp"

namespace pot::cpu {

/// Runs a Graph with oneDNN primitives: FP32 where the model is float, real u8/s8 x s8 kernels
/// where FakeQuantize nodes surround Conv, Gemm and MatMul, and the reference engine's kernels for
/// ops oneDNN lacks. A plan is compiled per input shapes (and observed values) and cached.
class CpuEngine : public Engine {
public:
    /// Params: {"threads": int} (0 = all cores); unknown keys are rejected.
    explicit CpuEngine(const Params& params);
    CpuEngine();
    ~CpuEngine() override;

    std::string name() const override { return "cpu"; }
    void set_options(const EngineOptions& options) override;
    /// Copies the graph and checks every op is covered by oneDNN or the reference kernels;
    /// throws naming the first node that is not.
    void set_model(const Graph& graph) override;
    std::vector<Tensor> infer(const std::vector<Tensor>& inputs,
                              const std::vector<std::string>& observed = {},
                              ValueObserver* observer = nullptr) override;

    /// The plan last used by infer(): one line per step with node, primitive kind, data types
    /// (src:weights:dst) and oneDNN implementation. Empty before the first infer().
    std::string describe_plan() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace pot::cpu
