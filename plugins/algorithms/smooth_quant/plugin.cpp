#include <pot/plugin_export.hpp>

#include "smooth_quant.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::smooth_quant::SmoothQuant>(
        "SmoothQuant",
        "Moves activation outliers of LayerNorm-fed MatMul / Gemm inputs into their weights"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-smooth-quant", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
