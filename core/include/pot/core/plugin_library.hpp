#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "pot/abi.h"

namespace pot::core {

/// A factory a plugin exports, with its strings copied out of the plugin.
struct FactoryInfo {
    PotKind kind = POT_KIND_ALGORITHM;
    std::string name;
    std::string description;
    void* (*create)(const char*, char*, size_t, uint32_t*) = nullptr;
    void (*destroy)(void*) = nullptr;
};

/// One loaded and validated plugin file. The library stays mapped as long as this object lives;
/// every object made from it holds a shared_ptr to it (see PluginPtr).
class PluginLibrary {
public:
    /// Checks that `file` is a complete ELF shared library for this machine (a truncated one
    /// would crash the loader), loads it and validates its entry record (ABI major/minor, size,
    /// toolchain, factories). Throws pot::Error(Input) naming the file and both sides of any
    /// mismatch.
    static std::shared_ptr<const PluginLibrary> load(const std::filesystem::path& file);

    const std::filesystem::path& file() const { return file_; }
    const std::string& plugin_name() const { return plugin_name_; }
    const std::string& version() const { return version_; }
    const std::vector<FactoryInfo>& factories() const { return factories_; }

private:
    PluginLibrary() = default;

    boost::dll::shared_library library_;
    std::filesystem::path file_;
    std::string plugin_name_, version_;
    std::vector<FactoryInfo> factories_;
};

/// "algorithm", "optimizer", "engine"
const char* kind_name(PotKind kind);

}  // namespace pot::core
