#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pot::min_max {

/// How a target device quantizes one op type.
struct OpRule {
    std::string type;
    std::vector<size_t> activation_inputs;   ///< input indices quantized as activations
    std::optional<size_t> weight_input;      ///< constant input quantized as weights
    bool weight_per_channel = true;
    bool quantize_output = false;            ///< put a quantizer on the op's (activated) output
};

/// A target device's hardware config (plugins/algorithms/min_max/hardware/<device>.json).
struct HardwareConfig {
    std::string target_device;
    std::vector<OpRule> rules;
    std::set<std::string> absorbed_activations;  ///< ops whose output takes the producer's quantizer

    const OpRule* rule_for(const std::string& op_type) const;
};

/// Reads a hardware config file; throws pot::Error naming the file and JSON path on a bad one.
HardwareConfig read_hardware_config(const std::filesystem::path& file);

/// The config shipped for `target_device` ("CPU", "ANY"): <plugin folder>/hardware/<device>.json.
HardwareConfig builtin_hardware_config(const std::string& target_device);

}  // namespace pot::min_max
