#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "pot/core/registry.hpp"
#include "pot/engine.hpp"

namespace pot::python {

/// The plugins of one folder and an engine made from them: what a Python IEEngine runs on.
/// Algorithms of the pipelines made for the engine come from the same registry.
class EngineHandle {
public:
    /// Loads every plugin of `plugin_dir` (files that are no plugin are skipped with a warning on
    /// stderr) and creates the engine plugin `backend` ("" : "cpu" when loaded, else "reference")
    /// with `threads` threads (0: the engine's default). Throws pot::Error naming the folder or the
    /// engine name and the known ones.
    EngineHandle(const std::filesystem::path& plugin_dir, const std::string& backend, int threads);

    const core::Registry& registry() const { return registry_; }
    Engine& engine() { return *engine_; }
    std::string name() const { return engine_->name(); }
    const std::filesystem::path& plugin_dir() const { return plugin_dir_; }

private:
    std::filesystem::path plugin_dir_;
    core::Registry registry_;  // outlives the engine, whose plugin library it keeps loaded
    std::unique_ptr<Engine> engine_;
};

}  // namespace pot::python
