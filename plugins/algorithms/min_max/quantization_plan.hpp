#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "hardware_config.hpp"
#include "pot/algorithm.hpp"
#include "pot/graph.hpp"
#include "pot/statistics.hpp"
#include "quantization_points.hpp"
#include "settings.hpp"

namespace pot::min_max {

/// What the points of one op use in place of the configured settings (TunableQuantization's
/// per-op choices). Unset members keep the MinMaxSettings value.
struct OpOverride {
    std::optional<bool> activations_symmetric;
    std::optional<RangeEstimator> activations_range;
    std::optional<bool> weights_per_channel;  ///< no effect on weights without a channel axis
};

/// Per-op departures from MinMaxSettings. Empty: MinMaxQuantization as configured.
struct QuantizationOverrides {
    std::map<std::string, OpOverride> ops;  ///< by op node name (QuantizationPoint::config_node)
    std::unordered_set<std::string> float_nodes;  ///< left in float, as if in the ignored scope
};

/// A point and the settings it is quantized with.
struct PlannedPoint {
    QuantizationPoint point;  ///< weights: `axis` is -1 when quantized per tensor
    bool symmetric = true;    ///< activations: symmetric codes (weights always are)
    RangeEstimator range;     ///< activations: how the range is estimated
    int bits = 8;             ///< of the codes
    WeightSettings weights;   ///< weights: how the range is chosen

    /// An activation that gets a range from statistics of its own (not same_grid_as another).
    bool is_measured() const {
        return point.kind == QuantizationPoint::Kind::Activation && point.same_grid_as.empty();
    }
};

/// The hardware config to quantize for: settings.hardware_config when set, else the one shipped
/// for the host's target device.
HardwareConfig hardware_config_for(const MinMaxSettings& settings, HostServices& host);

/// Every point of find_quantization_points() (with `overrides.float_nodes` left in float) and its
/// settings: those of `settings`, replaced by the override of the op the point follows
/// (QuantizationPoint::config_node). A same_grid_as point follows its source's op, so it gets
/// its source's mode and estimator.
std::vector<PlannedPoint> plan_quantization(const Graph& graph, const HardwareConfig& hardware,
                                            const MinMaxSettings& settings,
                                            const QuantizationOverrides& overrides = {});

/// First-pass statistics of the measured activations of `plan`, without duplicates.
std::vector<StatisticRequest> plan_statistics(const std::vector<PlannedPoint>& plan);

/// Puts a FakeQuantize on every point of `plan` in `graph` and reports them under `algorithm`.
/// Activation ranges come from `stats` (the first-pass requests of each point's estimator) and,
/// for histogram methods, from a second pass through `host`. Values that share a range (the
/// inputs of `hardware`'s unified_scales ops when unify_scales is on) also share a mode:
/// asymmetric when any of them is.
void apply_plan(Graph& graph, const std::vector<PlannedPoint>& plan, const Statistics& stats,
                HostServices& host, const MinMaxSettings& settings, const HardwareConfig& hardware,
                const std::string& algorithm);

}  // namespace pot::min_max
