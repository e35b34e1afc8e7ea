#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/core/plugin_library.hpp"
#include "pot/core/plugin_ptr.hpp"
#include "pot/engine.hpp"
#include "pot/optimizer.hpp"

namespace pot::core {

/// A plugin file that was not loaded, and why.
struct SkippedPlugin {
    std::filesystem::path file;
    std::string reason;
};

/// One factory as --list-plugins shows it.
struct RegistryEntry {
    PotKind kind;
    std::string name;
    std::string description;
    std::string plugin_name;
    std::string version;
    std::filesystem::path file;
};

/// (kind, name) -> factory of a loaded plugin. Keeps each library loaded while the registry or
/// any object it created lives.
class Registry {
public:
    /// Loads every shared library in `dir` (sorted by name, so runs are reproducible). A file that
    /// is not a valid plugin, or whose factory names repeat one already registered, is skipped with
    /// its reason; the others still load. Throws if `dir` does not exist or is not a folder.
    std::vector<SkippedPlugin> load_directory(const std::filesystem::path& dir);
    /// Loads one plugin file; throws pot::Error(Input) on any problem (nothing is registered then).
    void load_file(const std::filesystem::path& file);

    bool has(PotKind kind, const std::string& name) const;
    std::vector<std::string> names(PotKind kind) const;
    std::vector<RegistryEntry> entries() const;

    /// Creates an object from the factory `name` with its JSON parameters. `where` is the JSON
    /// path of the entry, used in messages. Unknown names are Config errors listing known ones.
    PluginPtr<Algorithm> create_algorithm(const std::string& name, const std::string& params_json,
                                          const std::string& where) const;
    PluginPtr<Engine> create_engine(const std::string& name, const std::string& params_json,
                                    const std::string& where) const;
    PluginPtr<Metric> create_metric(const std::string& name, const std::string& params_json,
                                    const std::string& where) const;
    PluginPtr<Optimizer> create_optimizer(const std::string& name, const std::string& params_json,
                                          const std::string& where) const;

private:
    struct Entry {
        FactoryInfo factory;
        std::shared_ptr<const PluginLibrary> library;
    };
    const Entry& find(PotKind kind, const std::string& name, const std::string& where) const;
    void* create(PotKind kind, const std::string& name, const std::string& params_json,
                 const std::string& where, const Entry*& entry) const;

    std::map<std::pair<int, std::string>, Entry> entries_;
};

}  // namespace pot::core
