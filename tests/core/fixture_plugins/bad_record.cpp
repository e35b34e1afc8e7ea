// Plugins whose entry record is wrong in one way, chosen by FIXTURE_DEFECT.
#include <pot/plugin_export.hpp>

#include "fixture_algorithm.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, fixture::Algorithm>(FIXTURE_NAME, "fixture algorithm"),
};

PotPluginInfo make_info() {
    PotPluginInfo info = pot::make_plugin_info("fixture-" FIXTURE_NAME, "0.0.1", kFactories);
#if FIXTURE_DEFECT == 1
    info.abi_major = POT_ABI_MAJOR + 1;
#elif FIXTURE_DEFECT == 2
    info.abi_minor = POT_ABI_MINOR + 1;
#elif FIXTURE_DEFECT == 3
    info.toolchain = "libc++-someother";
#elif FIXTURE_DEFECT == 4
    info.struct_size = 8;
#endif
    return info;
}
const PotPluginInfo kInfo = make_info();
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
