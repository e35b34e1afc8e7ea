#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// One item of a data set: a tensor per model input (batch dimension 1) and, when the data set is
/// annotated, its label.
struct Sample {
    size_t index = 0;
    std::vector<Tensor> inputs;
    std::optional<int64_t> label;
};

/// Indexed access to calibration or evaluation data, in a deterministic order.
class POT_SDK_VISIBLE DataLoader {
public:
    virtual ~DataLoader() = default;
    virtual size_t size() const = 0;
    /// Sample `index` (< size()). Thread-safe: engines may read samples from several threads.
    virtual Sample get(size_t index) const = 0;
    /// Where the data comes from, for messages ("images in data/calib").
    virtual std::string describe() const = 0;
    /// Text that changes whenever the samples change (file names, sizes, modification times);
    /// used to key cached statistics. Defaults to describe().
    virtual std::string identity() const { return describe(); }
};

/// An accuracy measure accumulated over model outputs.
class POT_SDK_VISIBLE Metric {
public:
    virtual ~Metric() = default;
    virtual std::string name() const = 0;
    virtual bool higher_is_better() const { return true; }
    virtual void reset() = 0;
    /// Folds in the outputs of one sample (batch dimension 1).
    virtual void update(const std::vector<Tensor>& outputs, const Sample& sample) = 0;
    /// The value over every sample folded in since reset().
    virtual double value() const = 0;
    /// The score of each sample folded in since reset(), in update() order (for top-1 accuracy,
    /// 1 for a correct sample and 0 for a wrong one). @since ABI 2.0
    virtual std::vector<double> per_sample() const = 0;
};

}  // namespace pot
