#pragma once

#include "cli.hpp"

namespace pot::app {

/// Runs the quantization job; returns the process exit code. Throws pot::Error on failure.
int run_quantize(const QuantizeOptions& options);
/// Runs `pot-host benchmark`.
int run_benchmark(const BenchmarkCommand& options);
/// Prints the plugins of `plugins` (or the default folder).
int run_list_plugins(const std::optional<std::filesystem::path>& plugins);

/// The plugin folder used when --plugins is not given: <exe dir>/../<lib>/pot/plugins.
std::filesystem::path default_plugin_dir();

}  // namespace pot::app
