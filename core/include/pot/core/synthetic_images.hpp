#pragma once

#include <cstdint>
#include <filesystem>

namespace pot::core {

/// What POT's data-free mode generates: `count` colour (channels 3) or grey (channels 1) images of
/// height x width, written as 000000.png, 000001.png, ... into `dir` (created if missing). Each is
/// a fractal drawn by a random iterated function system (contracting affine maps, rendered by the
/// chaos game) in random colours over a random background, then lightly blurred: structured,
/// natural-looking statistics without any real data. The same seed gives the same images.
/// Bounds: count in [1, 100000], sides in [8, 4096]; errors are pot::Error(Config). A folder that
/// holds anything but images named as these are is refused (Config) rather than mixed into.
void generate_synthetic_images(const std::filesystem::path& dir, int64_t count, int64_t height, int64_t width,
                               int64_t channels, uint64_t seed = 0);

}  // namespace pot::core
