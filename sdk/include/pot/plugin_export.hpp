#pragma once

// Included by a plugin's plugin.cpp only: the one place that needs Boost.DLL.
#include <boost/dll/alias.hpp>

#include "pot/plugin.hpp"

/// Exports `function` (const PotPluginInfo* function()) as the plugin's entry point.
/// @since ABI 2.0
#define POT_EXPORT_PLUGIN(function) BOOST_DLL_ALIAS(function, pot_plugin_info)
