#pragma once

#include <string>

#include "pot/core/registry.hpp"

namespace pot::app {

/// The engine named `name`, or when empty "cpu" if a plugin provides it, else "reference".
/// `where` names the option or JSON path for messages.
core::PluginPtr<Engine> create_engine(const core::Registry& registry, const std::string& name,
                                      const std::string& params_json, const std::string& where);

}  // namespace pot::app
