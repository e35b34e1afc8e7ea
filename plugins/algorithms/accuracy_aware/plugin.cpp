#include <pot/plugin_export.hpp>

#include "accuracy_aware.hpp"
#include "int4_mixed.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::accuracy_aware::AccuracyAwareQuantization>(
        pot::accuracy_aware::kAlgorithmName,
        "quantizes with a base algorithm, then puts layers back in float until the metric drop "
        "is within maximal_drop"),
    pot::make_factory<pot::Algorithm, pot::accuracy_aware::Int4MixedQuantization>(
        pot::accuracy_aware::kInt4AlgorithmName,
        "quantizes with a base algorithm at 8 bits, then lowers convolutions to 4 bits while the metric drop "
        "stays within maximal_drop"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-accuracy-aware", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
