#include <pot/plugin_export.hpp>

#include "weight_sparsity.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::weight_sparsity::WeightSparsity>(
        "WeightSparsity",
        "Magnitude sparsity of Conv / Gemm / MatMul weights with per-channel rescaling and bias correction"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-weight-sparsity", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
