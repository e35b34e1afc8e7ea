#include "hardware_config.hpp"

#include <algorithm>

// Needed to find the data files installed beside this plugin library.
#include <boost/dll/runtime_symbol_info.hpp>

#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"
#include "pot/params.hpp"

namespace pot::min_max {

namespace {
// The bundled configs are a few KiB.
constexpr uint64_t kMaxHardwareConfigBytes = 16 << 20;
}  // namespace

const OpRule* HardwareConfig::rule_for(const std::string& op_type) const {
    for (const auto& r : rules)
        if (r.type == op_type) return &r;
    return nullptr;
}

std::vector<std::pair<std::string, std::string>> target_device_choices() {
    std::vector<std::pair<std::string, std::string>> choices;
    for (const char* device : {"ANY", "CPU", "CPU_SPR", "GPU", "VPU", "NPU"}) choices.emplace_back(device, device);
    return choices;
}

bool reads_activation(const OpRule& rule, size_t index) {
    return rule.all_inputs_are_activations ||
           std::find(rule.activation_inputs.begin(), rule.activation_inputs.end(), index) != rule.activation_inputs.end();
}

HardwareConfig read_hardware_config(const std::filesystem::path& file) {
    const std::string text = read_file_bounded(file, kMaxHardwareConfigBytes, "hardware config",
                                               ErrorKind::Config);
    auto json = parse_json(text, str_cat("hardware config '", file.string(), "'"), ErrorKind::Config);
    try {
        const Params root(std::move(json), "");
        root.accept("//");
        HardwareConfig config;
        config.target_device = root.get_string("target_device", "");
        for (const auto& a : root.get_strings("absorbed_activations")) config.absorbed_activations.insert(a);
        if (root.has("unified_scales")) {
            const auto types = root.get_strings("unified_scales");
            config.unified_scales = std::set<std::string>(types.begin(), types.end());
        }
        if (root.has("unify_scales_by_default"))
            config.unify_by_default = root.get_bool("unify_scales_by_default", false);
        POT_CHECK_KIND(Config, root.has("operations") && root.json().at("operations").is_array(),
                       "/operations: expected a list");
        root.accept("operations");
        const auto& ops = root.json().at("operations");
        for (size_t i = 0; i < ops.size(); ++i) {
            const Params op(ops[i], str_cat("/operations/", i));
            OpRule rule;
            rule.type = op.get_string("type", "");
            POT_CHECK_KIND(Config, !rule.type.empty(), op.path(), "/type: required");
            if (op.has("activations")) {
                op.accept("activations");
                const auto& activations = op.json().at("activations");
                if (activations == "all") {
                    rule.all_inputs_are_activations = true;
                } else {
                    POT_CHECK_KIND(Config, activations.is_array(), op.path(),
                                   "/activations: expected input indices or \"all\"");
                    for (const auto& v : activations) {
                        POT_CHECK_KIND(Config, v.is_number_unsigned(), op.path(),
                                       "/activations: expected input indices or \"all\"");
                        rule.activation_inputs.push_back(v.get<size_t>());
                    }
                }
            }
            if (op.has("activation_mode"))
                rule.activations_symmetric = op.get_enum<bool>(
                    "activation_mode", true, {{"symmetric", true}, {"asymmetric", false}});
            if (op.has("weights")) {
                const Params w = op.child("weights");
                rule.weight_input = static_cast<size_t>(w.get_int("input", 1));
                rule.weight_per_channel = w.get_enum<bool>("granularity", true,
                                                           {{"perchannel", true}, {"pertensor", false}});
                w.reject_unknown();
            }
            rule.quantize_output = op.get_bool("output", false);
            op.reject_unknown();
            config.rules.push_back(std::move(rule));
        }
        root.reject_unknown();
        return config;
    } catch (const Error& e) {
        throw Error(ErrorKind::Config, str_cat(file.string(), ": ", e.what()));
    }
}

HardwareConfig builtin_hardware_config(const std::string& target_device) {
    // POT quantizes for Sapphire Rapids CPUs by the CPU rules.
    std::string name = target_device == "CPU_SPR" ? "cpu" : target_device;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::filesystem::path here = boost::dll::this_line_location().string();
    const auto file = here.parent_path() / "hardware" / (name + ".json");
    POT_CHECK_KIND(Config, std::filesystem::exists(file), "no hardware config for target device '",
                   target_device, "' (looked for ", file.string(), ")");
    return read_hardware_config(file);
}

}  // namespace pot::min_max
