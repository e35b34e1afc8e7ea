#include <pot/plugin_export.hpp>

#include "random_search.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Optimizer, pot::random_search::RandomSearch>(
        "RandomSearch", "Uniform random search over finite search spaces (the baseline for TPE)"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-random-search", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
