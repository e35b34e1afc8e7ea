#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pot::min_max {

/// How a target device quantizes one op type.
struct OpRule {
    std::string type;
    std::vector<size_t> activation_inputs;   ///< input indices quantized as activations
    bool all_inputs_are_activations = false; ///< "activations": "all" (Concat's inputs, say)
    std::optional<size_t> weight_input;      ///< constant input quantized as weights
    bool weight_per_channel = true;
    bool quantize_output = false;            ///< put a quantizer on the op's (activated) output
    /// The only activation mode the device runs for this op (its "activation_mode"); unset: the
    /// preset (or activations.mode) decides.
    std::optional<bool> activations_symmetric;
};

/// A target device's hardware config (plugins/algorithms/min_max/hardware/<device>.json).
struct HardwareConfig {
    std::string target_device;
    std::vector<OpRule> rules;
    std::set<std::string> absorbed_activations;  ///< ops whose output takes the producer's quantizer
    /// Op types whose quantized inputs share one range when unify_scales is on ("unified_scales";
    /// Add and Concat when the file does not say).
    std::set<std::string> unified_scales = {"Add", "Concat"};
    /// Whether unify_scales is on when the algorithm's config does not say
    /// ("unify_scales_by_default"; unset: on for the CPU target only).
    std::optional<bool> unify_by_default;

    const OpRule* rule_for(const std::string& op_type) const;
};

/// Whether `rule` quantizes input `index` as an activation.
bool reads_activation(const OpRule& rule, size_t index);

/// The target devices with a bundled hardware config, as name -> name pairs (for get_enum).
std::vector<std::pair<std::string, std::string>> target_device_choices();

/// Reads a hardware config file; throws pot::Error naming the file and JSON path on a bad one.
HardwareConfig read_hardware_config(const std::filesystem::path& file);

/// The config shipped for `target_device` (CPU, ANY, GPU, VPU, NPU; CPU_SPR reads CPU's):
/// <plugin folder>/hardware/<device>.json.
HardwareConfig builtin_hardware_config(const std::string& target_device);

}  // namespace pot::min_max
