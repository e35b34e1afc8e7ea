#include <pot/plugin_export.hpp>

#include "bias_correction.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::bias_correction::BiasCorrection>(
        "BiasCorrection",
        "Restores each quantized op's mean output by running the quantized model on the samples"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-bias-correction", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
