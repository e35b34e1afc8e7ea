#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pot/core/config.hpp"
#include "pot/data.hpp"
#include "pot/graph.hpp"

namespace pot::core {

/// Reads an annotation file: one "<file name> <class index>" per line; '#' starts a comment.
/// Throws pot::Error(Input) naming the file and line on a malformed line.
std::map<std::string, int64_t> read_labels(const std::filesystem::path& file);

/// Opens `config.data_source` as the data for a model whose single input is `input`:
///  - a folder of images (png, jpg, jpeg, bmp, tif, tiff), read with OpenCV and preprocessed;
///  - a folder of .npy files, one already preprocessed sample each;
///  - MNIST idx files: a "*idx3-ubyte" file, or a folder holding one (labels from the
///    "*idx1-ubyte" file beside it, or config.annotation).
/// Samples come in file-name order. Labels come from config.annotation when given. Throws
/// pot::Error(Input) naming the path when it is missing, unreadable or holds no samples.
std::unique_ptr<DataLoader> open_dataset(const EngineConfig& config, const ValueInfo& input);

/// Images in `dir` (sorted) with preprocessing; exposed for tests.
std::unique_ptr<DataLoader> open_image_folder(const std::filesystem::path& dir,
                                              const Preprocessing& pre, const ValueInfo& input,
                                              const std::optional<std::filesystem::path>& labels);
std::unique_ptr<DataLoader> open_npy_folder(const std::filesystem::path& dir, const ValueInfo& input,
                                            const std::optional<std::filesystem::path>& labels);
std::unique_ptr<DataLoader> open_idx(const std::filesystem::path& images, const Preprocessing& pre,
                                     const ValueInfo& input,
                                     const std::optional<std::filesystem::path>& labels);

}  // namespace pot::core
