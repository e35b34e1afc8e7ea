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
/// Same as read_labels() for annotation text held in memory; `origin` names it in messages.
std::map<std::string, int64_t> parse_labels(const std::string& text, const std::string& origin);

/// Reads an annotation file: the class-index lines of read_labels(), or a JSON object mapping
/// file names to a class index (integer), a text (string, e.g. a text line's transcription) or
/// any other JSON value (boxes, masks). Throws pot::Error(Input) naming the file.
std::map<std::string, Annotation> read_annotations(const std::filesystem::path& file);
/// Same as read_annotations() for text held in memory; `origin` names it in messages.
std::map<std::string, Annotation> parse_annotations(const std::string& text, const std::string& origin);

/// Opens `config.data_source` as the data for a model whose single input is `input`:
///  - a folder of images (png, jpg, jpeg, bmp, tif, tiff), read with OpenCV and preprocessed;
///  - a folder of .npy files, one already preprocessed sample each;
///  - MNIST idx files: a "*idx3-ubyte" file, or a folder holding one (labels from the
///    "*idx1-ubyte" file beside it, or config.annotation).
/// Samples come in file-name order. Annotations come from config.annotation when given (see
/// read_annotations). Throws
/// pot::Error(Input) naming the path when it is missing, unreadable or holds no samples.
std::unique_ptr<DataLoader> open_dataset(const EngineConfig& config, const ValueInfo& input);

/// True when the last component of `path` is a file-name pattern (holds *, ? or [): POT's
/// data_source "calib/*.png" reads the matching files of the folder (fnmatch rules).
bool is_file_pattern(const std::filesystem::path& path);

/// Opens `config.data_source` for a model with these inputs: one input as open_dataset() above;
/// several inputs (token ids and a mask, say) from a folder holding one folder of .npy files per
/// input, named after the input, with the same file names in each (sample i is file i of each).
/// Integer inputs are read as their own type. Throws pot::Error(Input) naming the folder or file.
std::unique_ptr<DataLoader> open_dataset(const EngineConfig& config, const std::vector<ValueInfo>& inputs);
/// The several-input form of open_npy_folder(); exposed for tests.
std::unique_ptr<DataLoader> open_npy_input_folders(const std::filesystem::path& dir,
                                                   const std::vector<ValueInfo>& inputs,
                                                   const std::optional<std::filesystem::path>& labels);

/// Images in `dir` (sorted) with preprocessing; exposed for tests.
std::unique_ptr<DataLoader> open_image_folder(const std::filesystem::path& dir,
                                              const Preprocessing& pre, const ValueInfo& input,
                                              const std::optional<std::filesystem::path>& labels);
std::unique_ptr<DataLoader> open_npy_folder(const std::filesystem::path& dir, const ValueInfo& input,
                                            const std::optional<std::filesystem::path>& labels);
std::unique_ptr<DataLoader> open_idx(const std::filesystem::path& images, const Preprocessing& pre,
                                     const ValueInfo& input,
                                     const std::optional<std::filesystem::path>& labels);

/// Same as open_idx() for file contents held in memory: `images` is an idx3-ubyte file and
/// `labels`, when given, an idx1-ubyte file. `origin` and `labels_origin` name them in messages.
/// The loader owns the bytes. Throws pot::Error(Input) naming the origin when a header is bad or
/// the data is shorter than the header says.
std::unique_ptr<DataLoader> parse_idx(std::string images, const std::string& origin,
                                      const std::optional<std::string>& labels,
                                      const std::string& labels_origin, const Preprocessing& pre,
                                      const ValueInfo& input);

/// Decodes one encoded image (PNG, JPEG, BMP or TIFF bytes) and preprocesses it into the sample
/// an image folder gives for `input` (index 0, no label). `origin` names the image in messages.
/// Throws pot::Error(Input) naming the origin when the bytes are no image OpenCV reads or the
/// result does not fit the input, pot::Error(Config) when the preprocessing does not fit it.
Sample decode_image_sample(const std::string& bytes, const Preprocessing& pre,
                           const ValueInfo& input, const std::string& origin);

}  // namespace pot::core
