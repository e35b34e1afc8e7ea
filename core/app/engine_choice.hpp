#pragma once

#include <memory>
#include <string>

#include "pot/core/registry.hpp"

namespace pot::app {

/// The engine named `name`, or when empty "cpu" if a plugin provides it, else "reference".
/// `where` names the option or JSON path for messages. The returned engine forwards to the
/// plugin's object and turns any exception it raises into a host-owned pot::Error, so no exception
/// object made by plugin code outlives the call that raised it.
std::unique_ptr<Engine> create_engine(const core::Registry& registry, const std::string& name,
                                      const std::string& params_json, const std::string& where);

}  // namespace pot::app
