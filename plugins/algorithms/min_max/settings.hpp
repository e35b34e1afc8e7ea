#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/params.hpp"
#include "pot/statistics.hpp"

namespace pot::min_max {

/// POT presets: performance = symmetric weights and activations; mixed = symmetric weights,
/// asymmetric activations; accuracy = asymmetric both (weights stay symmetric here: every INT8
/// runtime we target requires zero-point-free weights).
enum class Preset { Performance, Mixed, Accuracy };

/// How an activation's range [low, high] is estimated from its statistics.
struct RangeEstimator {
    ReducerKind low = ReducerKind::MeanMin;
    ReducerKind high = ReducerKind::MeanMax;
    double outlier_prob = 1e-4;  ///< for the quantile reducers
};

struct ActivationSettings {
    int bits = 8;
    bool symmetric = true;
    RangeEstimator range;
};

struct WeightSettings {
    int bits = 8;
    std::optional<bool> per_channel;  ///< overrides the hardware config when set
};

/// Nodes kept in float: by exact name, by name regular expression, or by op type.
struct IgnoredScope {
    std::vector<std::string> names;
    std::vector<std::string> patterns;
    std::vector<std::string> types;

    bool matches(const Node& node) const;
    bool empty() const { return names.empty() && patterns.empty() && types.empty(); }

private:
    mutable std::vector<std::regex> compiled_;
};

/// Every parameter of MinMaxQuantization.
struct MinMaxSettings {
    Preset preset = Preset::Performance;
    ActivationSettings activations;
    WeightSettings weights;
    IgnoredScope ignored;
    size_t stat_subset_size = 300;
    bool shuffle_data = false;
    uint64_t seed = 0;
    std::optional<std::filesystem::path> hardware_config;  ///< overrides the target device's file
};

/// Reads the parameters (POT's names) and rejects unknown keys.
MinMaxSettings parse_settings(const Params& params);

}  // namespace pot::min_max
