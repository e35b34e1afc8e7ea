#pragma once

#include <memory>

#include "pot/core/plugin_library.hpp"

namespace pot::core {

/// Deleter that frees an object through its plugin's destroy() and keeps the plugin mapped until
/// then: the library reference is released after destroy() returns.
template <typename T>
struct LibraryBoundDeleter {
    void (*destroy)(void*) = nullptr;
    std::shared_ptr<const PluginLibrary> library;

    void operator()(T* object) const {
        if (object && destroy) destroy(static_cast<void*>(object));
    }
};

/// Owning pointer to an object made by a plugin.
template <typename T>
using PluginPtr = std::unique_ptr<T, LibraryBoundDeleter<T>>;

}  // namespace pot::core
