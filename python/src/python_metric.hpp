#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "pot/data.hpp"
#include "python_data_loader.hpp"
#include "python_errors.hpp"

namespace pot::python {

/// A Python metric as POT defines it (`update(output, target)`, `reset()`, the properties `value`
/// and `avg_value`, and `get_attributes()`) seen as a pot::Metric.
///
/// Each update() passes the model's outputs, a dict output name -> numpy array, through the
/// engine's `postprocess_output(outputs, [metadata])` first, as POT's IEEEngine does, then calls
/// `update(processed, [annotation])` (a batch of one). The metric's first attribute (its name in
/// get_attributes(), else the first key of `value`) is the one the toolkit ranks and compares by:
/// value() is `avg_value[name]`, and each sample's score is `value[name]` right after its update.
/// "higher-worse" in get_attributes() means lower is better.
///
/// Calls come from the evaluating thread, which does not hold the GIL. update() keeps the outputs
/// and passes them to Python kPendingSamples at a time (and before value() or per_sample()), so
/// that the evaluating thread takes the GIL once per batch rather than once per sample, away from
/// the thread reading samples. Construction and destruction need the GIL held.
class PythonMetric final : public Metric {
public:
    /// `metric`, `engine` (the IEEngine object) and `data` must outlive this object; so must
    /// `errors`, which keeps the Python exception of a failed call.
    PythonMetric(pybind11::object metric, pybind11::object engine, const PythonDataLoader& data,
                 std::vector<std::string> output_names, PythonErrors& errors);
    ~PythonMetric() override;

    std::string name() const override { return name_; }
    bool higher_is_better() const override { return higher_is_better_; }
    void reset() override;
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;
    double value() const override;
    std::vector<double> per_sample() const override;

    /// Samples whose outputs are kept before they are passed to Python together.
    static constexpr size_t kPendingSamples = 16;
    /// ... unless their outputs take more bytes than this.
    static constexpr size_t kPendingBytes = size_t{64} << 20;

private:
    struct Pending {
        std::vector<Tensor> outputs;
        size_t index;
        std::optional<Annotation> annotation;
    };
    /// Passes the kept samples to Python. Takes the GIL.
    void flush() const;
    /// One sample through postprocess_output, update and value. GIL held.
    void update_python(const Pending& sample) const;

    /// The mean of the metric's entry `name_` in `values` (a dict name -> number or list).
    double mean_of(const pybind11::handle& values, const char* property) const;

    pybind11::object metric_, engine_;
    const PythonDataLoader& data_;
    std::vector<std::string> output_names_;
    PythonErrors& errors_;
    std::string name_;
    bool higher_is_better_ = true;
    mutable std::vector<Pending> pending_;
    mutable size_t pending_bytes_ = 0;
    mutable std::vector<double> scores_;
};

}  // namespace pot::python
