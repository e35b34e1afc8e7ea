#include <pot/plugin_export.hpp>

#include "min_max.hpp"
#include "tunable_quantization.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::min_max::MinMax>(
        "MinMaxQuantization", "FakeQuantize from activation min/max statistics and weight ranges"),
    pot::make_factory<pot::Algorithm, pot::min_max::TunableQuantization>(
        "TunableQuantization",
        "MinMaxQuantization with per-layer choices an optimizer tunes (POT's TunableQuantization)"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-min-max", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
