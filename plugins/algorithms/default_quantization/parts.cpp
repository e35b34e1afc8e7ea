#include "parts.hpp"

#include <optional>

#include <nlohmann/json.hpp>

namespace pot::default_quantization {

namespace {

// Which keys each part receives (POT's names), besides the sampling keys all of them take. Keys
// shared by several parts are given to each.
const std::vector<std::string> kAlignmentKeys = {"ignored"};
const std::vector<std::string> kQuantizationKeys = {
    "preset",  "target_device",   "ignored",     "activations",
    "weights", "hardware_config", "unify_scales", "model_type", "range_estimator", "layerwise"};
const std::vector<std::string> kBiasKeys = {"threshold", "apply_for_all_nodes"};

// The keys of `params` a part receives: the sampling keys and `keys`, where present.
nlohmann::json forwarded(const Params& params, const std::vector<std::string>& keys) {
    nlohmann::json json = nlohmann::json::object();
    const auto forward = [&](const std::string& key) {
        if (params.has(key)) json[key] = params.json().at(key);
    };
    for (const char* key : kSamplingKeys) forward(key);
    for (const auto& key : keys) forward(key);
    return json;
}

AlgorithmSpec part(const Params& params, const std::string& name,
                   const std::vector<std::string>& keys) {
    return {name, forwarded(params, keys).dump()};
}

// The SmoothQuant part asked for by "smooth_quant": false / absent (none), true (its defaults)
// or an object of SmoothQuant's own parameters (alpha, ignored); the sampling keys are forwarded
// unless the object sets them.
std::optional<AlgorithmSpec> smooth_quant_part(const Params& params) {
    if (!params.has("smooth_quant")) return std::nullopt;
    const nlohmann::json& value = params.json().at("smooth_quant");
    params.accept("smooth_quant");
    POT_CHECK_KIND(Config, value.is_boolean() || value.is_object(), params.path(),
                   "/smooth_quant: must be true, false or an object of SmoothQuant parameters "
                   "(alpha, ignored), got ", value.dump());
    if (value.is_boolean() && !value.get<bool>()) return std::nullopt;
    nlohmann::json json = forwarded(params, {});
    if (value.is_object())
        for (const auto& [key, item] : value.items()) json[key] = item;
    return AlgorithmSpec{"SmoothQuant", json.dump()};
}

// MinMaxQuantization's parameters with DefaultQuantization's own default: when `activations` are
// 8-bit and name no range estimator (global or per op type), the inputs of MatMul and Gemm are
// ranged by their global min/max, the rest by the mean of per-sample min/max. The matmul inputs of
// transformers (LayerNorm and GELU outputs, attention probabilities) carry rare large values that
// the mean of per-sample extremes clips and that the next layer needs; convolution inputs do not
// gain from it. On coarser grids clipping pays more than keeping the extremes (4-bit activations
// then needed twice the layers in float to meet an accuracy budget), so those keep POT's default.
// Measured in docs/ACCURACY.md, docs/ACCURACY_TEXTLINE.md, docs/ACCURACY_AWARE.md and docs/ZOO.md.
AlgorithmSpec quantization_part(const Params& params) {
    nlohmann::json json = forwarded(params, kQuantizationKeys);
    nlohmann::json& activations = json["activations"];
    if (activations.is_null()) activations = nlohmann::json::object();
    // Anything else (a non-object, bad bits) is left for MinMaxQuantization to reject with its path.
    if (activations.is_object() && activations.value("bits", nlohmann::json(8)) == 8 &&
        !activations.contains("range_estimator") && !activations.contains("op_types") &&
        !json.contains("range_estimator")) {
        const nlohmann::json global_min_max = {{"range_estimator", {{"preset", "min_max"}}}};
        activations["op_types"] = {{"MatMul", global_min_max}, {"Gemm", global_min_max}};
    }
    return {"MinMaxQuantization", json.dump()};
}

}  // namespace

std::vector<AlgorithmSpec> split_into_parts(const Params& params) {
    const bool fast_bias = params.get_bool("use_fast_bias", true);
    POT_CHECK_KIND(Config, !params.get_bool("use_layerwise_tuning", false), params.path(),
                   "/use_layerwise_tuning: layer-wise fine-tuning is not supported; remove the key "
                   "or set it to false");
    std::vector<AlgorithmSpec> parts;
    if (auto smooth = smooth_quant_part(params)) parts.push_back(std::move(*smooth));
    parts.push_back(part(params, "ActivationChannelAlignment", kAlignmentKeys));
    parts.push_back(quantization_part(params));
    parts.push_back(part(params, fast_bias ? "FastBiasCorrection" : "BiasCorrection", kBiasKeys));
    params.reject_unknown();
    return parts;
}

}  // namespace pot::default_quantization
