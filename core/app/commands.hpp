#pragma once

#include "cli.hpp"
#include "pot/core/registry.hpp"

namespace pot::app {

/// Exit code of a run that wrote its results but whose accuracy target (AccuracyAwareQuantization's
/// maximal_drop) is not met.
inline constexpr int kExitTargetMissed = 3;

/// Runs the quantization job; returns the process exit code. Throws pot::Error on failure.
int run_quantize(const QuantizeOptions& options);
/// Runs `pot-host benchmark`.
int run_benchmark(const BenchmarkCommand& options);
/// Prints the plugins of the folders `plugins` (or the default folder).
int run_list_plugins(const std::vector<std::filesystem::path>& plugins);

/// Loads every plugin of `folders` (the default folder when empty) into `registry`; skipped files
/// are returned as "file: reason" lines.
std::vector<std::string> load_plugins(core::Registry& registry,
                                      const std::vector<std::filesystem::path>& folders);

/// `folders`, or the default plugin folder when it is empty.
std::vector<std::filesystem::path> plugin_dirs(const std::vector<std::filesystem::path>& folders);

/// The plugin folder used when --plugins is not given: <exe dir>/../<lib>/pot/plugins.
std::filesystem::path default_plugin_dir();

}  // namespace pot::app
