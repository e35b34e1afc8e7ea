#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "annotation_records.hpp"

namespace pot::core {

/// Accuracy Checker's movie_lens_converter read with ncf_data_reader: the samples of NCF's
/// evaluation. `rating_file` holds one "<user> <item> <rating>" line per user (whitespace
/// separated; the first `users_max_number` lines when given), `negative_file` one line per user
/// id (line k: user k) of items the user did not rate. The samples are each user's rated item,
/// then, column by column of the negatives, each user's negative item; a sample is the entries
/// "u:<user>" and "i:<item>", each the number after the colon as a [1] tensor (int64 when an
/// integer, else f32). Throws pot::Error(Input) naming the file and line of a malformed line.
std::vector<std::vector<DataEntry>> movie_lens_samples(const std::filesystem::path& rating_file,
                                                       const std::filesystem::path& negative_file,
                                                       std::optional<int64_t> users_max_number);

}  // namespace pot::core
