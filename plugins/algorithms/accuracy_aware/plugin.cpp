#include <pot/plugin_export.hpp>

#include "accuracy_aware.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::accuracy_aware::AccuracyAwareQuantization>(
        pot::accuracy_aware::kAlgorithmName,
        "quantizes with a base algorithm, then puts layers back in float until the metric drop "
        "is within maximal_drop"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-accuracy-aware", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
