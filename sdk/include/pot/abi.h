/* The C entry record every pot plugin exports. Plain C so that the version check never depends
 * on C++ layout. See docs/PLUGIN_ABI.md for the rules behind each field. */
#ifndef POT_ABI_H
#define POT_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Bump the major on any change to a released interface or value type; the minor when an
 * optional interface or a trailing field is added. */
#define POT_ABI_MAJOR 2
#define POT_ABI_MINOR 6
#define POT_PLUGIN_ENTRY "pot_plugin_info"

#ifdef __cplusplus
extern "C" {
#endif

enum PotKind { POT_KIND_ALGORITHM = 1, POT_KIND_OPTIMIZER = 2, POT_KIND_ENGINE = 3, POT_KIND_METRIC = 4 };

/* Why create() failed; the values of pot::ErrorKind. Config makes pot-host exit with 2, others 1. */
enum PotErrorKind { POT_ERROR_USAGE = 0, POT_ERROR_CONFIG = 1, POT_ERROR_INPUT = 2, POT_ERROR_RUNTIME = 3 };

struct PotFactory {
    uint32_t kind;           /* enum PotKind */
    const char* name;        /* name used in the JSON config; owned by the plugin, copied by the host */
    const char* description; /* one line for --list-plugins */
    /* Creates an object from its JSON parameters. Never throws: on failure returns NULL, writes
     * a message into `error` (at most error_size bytes, NUL-terminated) and the enum PotErrorKind
     * of the failure into *error_kind. */
    void* (*create)(const char* params_json, char* error, size_t error_size, uint32_t* error_kind);
    /* Frees what create returned. Never throws. */
    void (*destroy)(void* object);
};

struct PotPluginInfo {
    uint32_t abi_major; /* read first, before anything else */
    uint32_t abi_minor;
    uint32_t struct_size; /* sizeof(PotPluginInfo) in the plugin's build; at least POT_PLUGIN_INFO_SIZE_2_0 */
    const char* plugin_name;
    const char* plugin_version;
    const char* toolchain; /* POT_TOOLCHAIN_TAG of the plugin's build */
    uint32_t factory_count;
    const struct PotFactory* factories;
};

/* Size of the ABI 2.0 record on LP64 targets. The host accepts no shorter record; a later minor
 * that appends fields leaves this value as it is (older plugins present the shorter record). */
#define POT_PLUGIN_INFO_SIZE_2_0 56

#ifdef __cplusplus
}
#endif

/* Host and plugins must share one C++ runtime and container layout. */
#if defined(_LIBCPP_VERSION)
#define POT_TOOLCHAIN_STDLIB "libc++"
#else
#define POT_TOOLCHAIN_STDLIB "libstdc++"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI == 0
#define POT_TOOLCHAIN_CXXABI "-cxx03abi"
#else
#define POT_TOOLCHAIN_CXXABI "-cxx11abi"
#endif
#if defined(_GLIBCXX_DEBUG)
#define POT_TOOLCHAIN_DEBUG "-debugcontainers"
#else
#define POT_TOOLCHAIN_DEBUG ""
#endif
#define POT_TOOLCHAIN_TAG POT_TOOLCHAIN_STDLIB POT_TOOLCHAIN_CXXABI POT_TOOLCHAIN_DEBUG

#endif /* POT_ABI_H */
