#include "pot/plugin_export.hpp"

#include "cpu_engine.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Engine, pot::cpu::CpuEngine>("cpu", "oneDNN FP32 and real INT8 kernels")};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-cpu-engine", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
