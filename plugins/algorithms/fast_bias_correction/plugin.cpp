#include <pot/plugin_export.hpp>

#include "fast_bias_correction.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::bias_correction::FastBiasCorrection>(
        "FastBiasCorrection",
        "Restores each quantized op's mean output from FP32 means, one op run per layer"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-fast-bias-correction", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
