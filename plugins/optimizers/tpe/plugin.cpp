#include <pot/plugin_export.hpp>

#include "tpe.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Optimizer, pot::tpe::Tpe>(
        "TPE", "Tree-structured Parzen estimator over finite search spaces (ask/tell)"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-tpe", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
