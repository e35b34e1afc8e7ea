#pragma once

#include <string>
#include <vector>

#include "pot/engine.hpp"
#include "pot/graph.hpp"
#include "pot/params.hpp"

namespace pot::reference {

/// Runs a Graph with the reference kernels (reference_ops.hpp): FP32 plus FakeQuantize and
/// QuantizeLinear/DequantizeLinear, every op as plain loops. It is the oracle the optimized
/// engine and the exporters are tested against: results, not speed, are its contract.
///
/// Parameters (JSON): "threads" (integer, default 0 = all cores) bounds the threads kernels use;
/// results do not depend on it.
class ReferenceEngine final : public pot::Engine {
public:
    ReferenceEngine();
    explicit ReferenceEngine(const pot::Params& params);

    std::string name() const override { return "reference"; }

    /// Copies `graph` and checks that every op is supported (throwing
    /// "reference engine does not support op 'Foo' (node 'bar')") and that every node input is a
    /// graph input, a constant or the output of an earlier node.
    ///
    /// The model's infer() runs on `inputs` (one per graph input, in order; dims that the graph
    /// declares as -1 may take any size). Shapes are computed from the actual inputs. Each value
    /// named in `observed` (graph inputs, constants and node outputs alike) is passed to
    /// `observer` once, right after it is available. Intermediate values are freed after their
    /// last consumer.
    std::unique_ptr<pot::CompiledModel> compile(const pot::Graph& graph) override;

    /// None: FakeQuantize runs as float arithmetic here, so no op is faster in INT8.
    pot::EngineCapabilities capabilities() const override { return {}; }

private:
    int threads_ = 0;
};

}  // namespace pot::reference
