#include <pot/plugin_export.hpp>

#include "range_optimization.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::range_optimization::RangeOptimization>(
        "RangeOptimization",
        "Searches the activation quantizers' ranges near their current values for the best metric "
        "(POT's RangeOptimization; derivative-free search with NLopt)"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-range-optimization", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
