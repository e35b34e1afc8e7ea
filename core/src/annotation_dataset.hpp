#pragma once

#include <memory>
#include <string>
#include <vector>

#include "annotation_records.hpp"
#include "pot/core/config.hpp"
#include "pot/data.hpp"
#include "pot/graph.hpp"

namespace pot::core {

/// Opens the data Accuracy Checker builds from annotations (config.annotation_data, which must be
/// set) for a model with `inputs`: the converter run or the pickle read once, the samples in
/// annotation order, each model input fed as bind_inputs() says. Throws pot::Error(Input) naming
/// the file, pot::Error(Config) naming the YAML path.
std::unique_ptr<DataLoader> open_annotation_dataset(const EngineConfig& config, const std::vector<ValueInfo>& inputs);

/// The tensors for `inputs` (in their order) from one sample's entries: each input takes the
/// first entry whose identifier the regex of its binding (by name) matches at its start, or the
/// binding's constant; reshaped to the binding's shape when given, converted to the input's
/// element type, given a leading batch dimension of 1 when it has one dimension fewer, and
/// checked against the input's shape. With no bindings, a single input takes the sample's only
/// entry. `origin` names the sample in messages. Throws pot::Error(Config) naming the binding's
/// path (or the model input that has none) and what was available.
std::vector<Tensor> bind_inputs(const std::vector<DataEntry>& entries, const std::vector<InputBinding>& bindings,
                                const std::vector<ValueInfo>& inputs, const std::string& origin);

/// Checks that every binding names an input of the model and every input has one (Config error
/// listing each problem with its path).
void check_input_bindings(const std::vector<InputBinding>& bindings, const std::vector<ValueInfo>& inputs);

}  // namespace pot::core
