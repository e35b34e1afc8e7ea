#include "parts.hpp"

#include <nlohmann/json.hpp>

namespace pot::default_quantization {

namespace {

// Which keys each part receives (POT's names), besides the sampling keys all of them take. Keys
// shared by several parts are given to each.
const std::vector<std::string> kAlignmentKeys = {"ignored"};
const std::vector<std::string> kQuantizationKeys = {
    "preset",  "target_device",   "ignored",     "activations",
    "weights", "hardware_config", "unify_scales"};
const std::vector<std::string> kBiasKeys = {"threshold", "apply_for_all_nodes"};

AlgorithmSpec part(const Params& params, const std::string& name,
                   const std::vector<std::string>& keys) {
    nlohmann::json json = nlohmann::json::object();
    const auto forward = [&](const std::string& key) {
        if (params.has(key)) json[key] = params.json().at(key);
    };
    for (const char* key : kSamplingKeys) forward(key);
    for (const auto& key : keys) forward(key);
    return {name, json.dump()};
}

}  // namespace

std::vector<AlgorithmSpec> split_into_parts(const Params& params) {
    const bool fast_bias = params.get_bool("use_fast_bias", true);
    POT_CHECK_KIND(Config, !params.get_bool("use_layerwise_tuning", false), params.path(),
                   "/use_layerwise_tuning: layer-wise fine-tuning is not supported; remove the key "
                   "or set it to false");
    std::vector<AlgorithmSpec> parts = {
        part(params, "ActivationChannelAlignment", kAlignmentKeys),
        part(params, "MinMaxQuantization", kQuantizationKeys),
        part(params, fast_bias ? "FastBiasCorrection" : "BiasCorrection", kBiasKeys),
    };
    params.reject_unknown();
    return parts;
}

}  // namespace pot::default_quantization
