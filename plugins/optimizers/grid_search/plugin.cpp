#include <pot/plugin_export.hpp>

#include "grid_search.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Optimizer, pot::grid_search::GridSearch>(
        "GridSearch", "Every point of a finite search space once, in order"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-grid-search", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
