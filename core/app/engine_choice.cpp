#include "engine_choice.hpp"

namespace pot::app {

core::PluginPtr<Engine> create_engine(const core::Registry& registry, const std::string& name,
                                      const std::string& params_json, const std::string& where) {
    std::string chosen = name;
    if (chosen.empty()) chosen = registry.has(POT_KIND_ENGINE, "cpu") ? "cpu" : "reference";
    return registry.create_engine(chosen, params_json, where);
}

}  // namespace pot::app
