#pragma once

#include <map>
#include <string>
#include <vector>

#include "pot/tensor.hpp"

namespace pot::core {

/// One Accuracy Checker annotation as the data readers see it: its arrays by attribute name
/// (input_ids, input_mask, ...) and the suffix its data identifiers carry ("<example>_<span>").
struct AnnotationRecord {
    std::string id;
    std::map<std::string, Tensor> arrays;
};

/// One piece of a sample as a reader hands it to the launcher: the identifier the launcher's
/// input regexes are matched against ("input_ids_0_0", "u:17") and the array.
struct DataEntry {
    std::string identifier;
    Tensor value;
};

}  // namespace pot::core
