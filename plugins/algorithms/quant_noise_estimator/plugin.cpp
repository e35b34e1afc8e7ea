#include <pot/plugin_export.hpp>

#include "quant_noise_estimator.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::quant_noise::QuantNoiseEstimator>(
        "QuantNoiseEstimator",
        "Measures each convolution's quantization noise (SQNR) against the float model; changes nothing"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-quant-noise-estimator", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
