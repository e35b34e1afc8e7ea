#include <pot/plugin_export.hpp>

#include "reference_engine.hpp"

namespace {

const PotFactory kFactories[] = {
    pot::make_factory<pot::Engine, pot::reference::ReferenceEngine>(
        "reference", "FP32 + FakeQuantize in plain C++ loops; the test oracle"),
};

const PotPluginInfo kInfo = pot::make_plugin_info("pot-reference-engine", "0.1.0", kFactories);

const PotPluginInfo* plugin_info() { return &kInfo; }

}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
