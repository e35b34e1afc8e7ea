#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// What a sample is known to be: a class index (classification), a text (the transcription of a
/// text line), or any JSON value (boxes, masks, ...), kept as JSON text for the metric to parse.
/// @since ABI 2.0
struct Annotation {
    enum class Kind { ClassIndex, Text, Json };
    Kind kind = Kind::ClassIndex;
    int64_t class_index = -1;  ///< Kind::ClassIndex
    std::string text;          ///< Kind::Text: the text; Kind::Json: the JSON text

    static Annotation of_class(int64_t index) { return {Kind::ClassIndex, index, {}}; }
    static Annotation of_text(std::string text) { return {Kind::Text, -1, std::move(text)}; }
    static Annotation of_json(std::string json_text) { return {Kind::Json, -1, std::move(json_text)}; }
    /// "class index", "text" or "JSON value", for messages.
    const char* kind_name() const;
};

/// One item of a data set: a tensor per model input (batch dimension 1) and, when the data set is
/// annotated, its annotation.
/// @since ABI 2.0 (annotation replaces ABI 1's class-index label)
struct Sample {
    size_t index = 0;
    std::vector<Tensor> inputs;
    std::optional<Annotation> annotation;

    /// The class index when the sample is annotated with one.
    std::optional<int64_t> class_index() const {
        if (annotation && annotation->kind == Annotation::Kind::ClassIndex) return annotation->class_index;
        return std::nullopt;
    }
};

/// Indexed access to calibration or evaluation data, in a deterministic order.
/// @since ABI 2.0
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

/// An accuracy measure accumulated over model outputs, sample by sample. Plugins provide metrics
/// (factory kind POT_KIND_METRIC); the config's engine.metrics names them. A metric reads what it
/// needs from the sample's annotation and throws pot::Error(Input) naming the sample when the
/// annotation is missing or of another kind. Used by one thread at a time.
/// @since ABI 2.0 (needs_reference, the reference outputs, per_sample)
class POT_SDK_VISIBLE Metric {
public:
    virtual ~Metric() = default;
    virtual std::string name() const = 0;
    virtual bool higher_is_better() const { return true; }
    /// True when update() compares with the float model's outputs (agreement, cosine, SQNR)
    /// rather than with annotations.
    virtual bool needs_reference() const { return false; }
    virtual void reset() = 0;
    /// Folds in one sample: `outputs` of the evaluated model (batch dimension 1) and, when
    /// needs_reference(), the float model's `reference` outputs for the same sample (else empty).
    virtual void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                        const Sample& sample) = 0;
    /// The value over every sample folded in since reset().
    virtual double value() const = 0;
    /// The score of each sample folded in since reset(), in update() order, in the units of
    /// value() (accuracy: 100 for a right sample, 0 for a wrong one; value() is their mean).
    virtual std::vector<double> per_sample() const = 0;
};

}  // namespace pot
