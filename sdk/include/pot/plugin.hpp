#pragma once

#include <cstring>
#include <exception>
#include <type_traits>

#include "pot/abi.h"
#include "pot/algorithm.hpp"
#include "pot/engine.hpp"
#include "pot/error.hpp"
#include "pot/optimizer.hpp"
#include "pot/params.hpp"

namespace pot {

namespace detail {

/// @since ABI 2.0
inline void copy_error(const char* message, char* error, size_t error_size) {
    if (!error || error_size == 0) return;
    std::strncpy(error, message, error_size - 1);
    error[error_size - 1] = '\0';
}

/// @since ABI 2.0
template <typename Iface, typename Impl>
void* create_object(const char* params_json, char* error, size_t error_size, uint32_t* error_kind) noexcept {
    const auto fail = [&](const char* message, ErrorKind kind) {
        copy_error(message, error, error_size);
        if (error_kind) *error_kind = static_cast<uint32_t>(kind);
    };
    try {
        const Params params(params_json ? params_json : "{}", "params");
        Iface* object = new Impl(params);
        return static_cast<void*>(object);
    } catch (const Error& e) {
        fail(e.what(), e.kind());
    } catch (const std::exception& e) {
        fail(e.what(), ErrorKind::Runtime);
    } catch (...) {
        fail("unknown exception while creating the object", ErrorKind::Runtime);
    }
    return nullptr;
}

/// @since ABI 2.0
template <typename Iface>
void destroy_object(void* object) noexcept {
    delete static_cast<Iface*>(object);
}

/// @since ABI 2.0
template <typename Iface>
constexpr uint32_t kind_of() {
    if constexpr (std::is_same_v<Iface, Algorithm>) return POT_KIND_ALGORITHM;
    else if constexpr (std::is_same_v<Iface, Optimizer>) return POT_KIND_OPTIMIZER;
    else if constexpr (std::is_same_v<Iface, Metric>) return POT_KIND_METRIC;
    else {
        static_assert(std::is_same_v<Iface, Engine>, "plugins make Algorithms, Optimizers, Engines or Metrics");
        return POT_KIND_ENGINE;
    }
}

}  // namespace detail

/// Factory entry for `Impl`, constructed as Impl(const pot::Params&) and owned through `Iface`.
/// @since ABI 2.0
template <typename Iface, typename Impl>
constexpr PotFactory make_factory(const char* name, const char* description) {
    static_assert(std::is_base_of_v<Iface, Impl>, "Impl must derive from Iface");
    return PotFactory{detail::kind_of<Iface>(), name, description,
                      &detail::create_object<Iface, Impl>, &detail::destroy_object<Iface>};
}

/// The entry record of a plugin listing `factories`.
/// @since ABI 2.0
template <size_t N>
constexpr PotPluginInfo make_plugin_info(const char* name, const char* version,
                                         const PotFactory (&factories)[N]) {
    return PotPluginInfo{POT_ABI_MAJOR, POT_ABI_MINOR, sizeof(PotPluginInfo), name, version,
                         POT_TOOLCHAIN_TAG, static_cast<uint32_t>(N), factories};
}

}  // namespace pot
