#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "hardware_config.hpp"
#include "pot/graph.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// A value MinMaxQuantization puts a FakeQuantize on.
struct QuantizationPoint {
    enum class Kind { Activation, Weight };
    Kind kind = Kind::Activation;
    std::string value;
    std::string node;         ///< the op this point serves (consumer for inputs, producer for outputs)
    size_t input_index = 0;   ///< weights: input of `node` that reads the constant
    int64_t axis = -1;        ///< weights: output-channel axis when per channel
    /// Activations: another activation point this value only moves (through MaxPool, Reshape,
    /// Flatten, Transpose, ...), so it takes that point's range instead of statistics of its own
    /// and its FakeQuantize changes nothing. Empty otherwise.
    std::string same_grid_as;
    /// The op whose per-op settings (TunableQuantization) this point follows. Weights: `node`.
    /// Activations: the first quantized op in node order that reads the value, directly or
    /// through grid-preserving ops; `node` when no quantized op reads it. A same_grid_as point
    /// follows its source's op, as it takes its source's range.
    std::string config_node;
};

/// Every point to quantize in `graph`, in node order without duplicates: activation inputs and
/// outputs of the ops `hardware` names (outputs after an absorbed Relu/Clip), and their constant
/// weights. Nodes matched by `settings.ignored` or named in `float_nodes`, and values that are
/// not float, are left alone. An activation that a grid-preserving op (max pooling, reshapes,
/// transposes) makes from another activation point is marked with QuantizationPoint::same_grid_as.
std::vector<QuantizationPoint> find_quantization_points(
    const Graph& graph, const HardwareConfig& hardware, const MinMaxSettings& settings,
    const std::unordered_set<std::string>& float_nodes = {});

/// Output-channel axis of the weight input of `node` (Conv: 0; Gemm: 0 with transB, else 1;
/// MatMul: last), or nullopt when the op has no per-channel weights.
std::optional<int64_t> weight_channel_axis(const Node& node, const Tensor& weight);

}  // namespace pot::min_max
