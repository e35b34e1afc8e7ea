#include <pot/plugin_export.hpp>

#include "default_quantization.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::default_quantization::DefaultQuantization>(
        "DefaultQuantization",
        "ActivationChannelAlignment, MinMaxQuantization and FastBiasCorrection with shared "
        "parameters"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-default-quantization", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
