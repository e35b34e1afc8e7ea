#include <pot/plugin_export.hpp>

#include "fixture_algorithm.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, fixture::Algorithm>(FIXTURE_NAME, "fixture algorithm"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("fixture-" FIXTURE_NAME, "1.2.3", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
