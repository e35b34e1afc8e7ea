#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "pot/core/plugin_library.hpp"
#include "pot/core/plugin_ptr.hpp"
#include "pot/engine.hpp"
#include "pot/optimizer.hpp"

namespace pot::core {

/// A plugin object as messages name it: what it is ("algorithm MinMaxQuantization") and the
/// library that made it (null for objects the host or a test made itself).
struct PluginOrigin {
    std::string object;
    std::shared_ptr<const PluginLibrary> library;

    /// "plugin pot-min-max 0.1.0, /usr/lib/pot/plugins/libpot_min_max.so"; "" without a library.
    std::string describe() const;
};

/// The origin of an object a Registry created.
template <typename T>
PluginOrigin origin_of(const PluginPtr<T>& object, std::string what) {
    return {std::move(what), object.get_deleter().library};
}

/// Rethrows the exception being handled, raised by `call` of `origin`, as an exception the host
/// made: its message names the object, the call and the plugin's file. The copy matters beyond the
/// message: an exception object made by plugin code must not outlive the plugin's library.
/// Out of memory stays std::bad_alloc and file system errors keep their type and paths; any other
/// std::exception becomes pot::Error(Runtime) that also names the stage (see StageScope).
[[noreturn]] void rethrow_from_plugin(const PluginOrigin& origin, std::string_view call);

/// Runs `f`, a call into plugin code. Every host -> plugin call goes through here.
template <typename F>
auto call_plugin(const PluginOrigin& origin, std::string_view call, F&& f) -> decltype(f()) {
    try {
        return std::forward<F>(f)();
    } catch (...) {
        rethrow_from_plugin(origin, call);
    }
}

/// `engine` with every call, and every call of the models it compiles, through call_plugin. Each
/// compiled model keeps the engine's library loaded while it lives.
std::unique_ptr<Engine> guard_engine(PluginPtr<Engine> engine);

/// `metric` with every call through call_plugin.
std::unique_ptr<Metric> guard_metric(PluginPtr<Metric> metric);

/// `optimizer` with ask() and tell() through call_plugin.
std::unique_ptr<Optimizer> guard_optimizer(PluginPtr<Optimizer> optimizer);

}  // namespace pot::core
