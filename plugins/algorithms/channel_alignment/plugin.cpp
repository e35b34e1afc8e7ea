#include <pot/plugin_export.hpp>

#include "channel_alignment.hpp"

namespace {
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, pot::channel_alignment::ChannelAlignment>(
        "ActivationChannelAlignment",
        "Equalises per-channel activation ranges between a Conv and the 1x1 Conv it feeds"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-channel-alignment", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
