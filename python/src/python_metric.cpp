#include "python_metric.hpp"

#include <cmath>

#include "array_conversion.hpp"

namespace py = pybind11;

namespace pot::python {

PythonMetric::PythonMetric(py::object metric, py::object engine, const PythonDataLoader& data,
                           std::vector<std::string> output_names, PythonErrors& errors)
    : metric_(std::move(metric)), engine_(std::move(engine)), data_(data),
      output_names_(std::move(output_names)), errors_(errors) {
    for (const char* method : {"update", "reset"})
        POT_CHECK_KIND(Usage, py::hasattr(metric_, method), "the engine's metric, a ",
                       metric_.get_type().attr("__name__").cast<std::string>(), ", has no ", method,
                       "(); expected a pot.Metric");
    py::dict attributes;
    try {
        attributes = metric_.attr("get_attributes")();
    } catch (py::error_already_set& e) {
        POT_THROW(Usage, "Metric.get_attributes() raised ", errors_.keep(e));
    }
    name_ = metric_.get_type().attr("__name__").cast<std::string>();
    if (!attributes.empty()) {
        const auto first = *attributes.begin();
        name_ = py::str(first.first).cast<std::string>();
        const auto properties = py::reinterpret_borrow<py::object>(first.second);
        if (py::isinstance<py::dict>(properties) && properties.contains("direction")) {
            const auto direction = py::str(properties["direction"]).cast<std::string>();
            POT_CHECK_KIND(Usage, direction == "higher-better" || direction == "higher-worse",
                           "Metric.get_attributes()['", name_, "']['direction'] is '", direction,
                           "'; expected 'higher-better' or 'higher-worse'");
            higher_is_better_ = direction == "higher-better";
        }
    }
}

PythonMetric::~PythonMetric() = default;

void PythonMetric::reset() {
    pending_.clear();
    pending_bytes_ = 0;
    py::gil_scoped_acquire gil;
    scores_.clear();
    try {
        metric_.attr("reset")();
    } catch (py::error_already_set& e) {
        POT_THROW(Runtime, "Metric.reset() raised ", errors_.keep(e));
    }
}

void PythonMetric::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>&, const Sample& sample) {
    for (const auto& output : outputs) pending_bytes_ += output.byte_size();
    pending_.push_back({outputs, sample.index, sample.annotation});
    if (pending_.size() >= kPendingSamples || pending_bytes_ >= kPendingBytes) flush();
}

void PythonMetric::flush() const {
    if (pending_.empty()) return;
    py::gil_scoped_acquire gil;
    for (const auto& sample : pending_) update_python(sample);
    pending_.clear();
    pending_bytes_ = 0;
}

void PythonMetric::update_python(const Pending& sample) const {
    const char* step = "IEEngine.postprocess_output";
    try {
        py::dict named;
        for (size_t i = 0; i < sample.outputs.size() && i < output_names_.size(); ++i)
            named[output_names_[i].c_str()] = array_from_tensor(sample.outputs[i]);
        py::list metadata;
        metadata.append(data_.metadata(sample.index));
        const py::object processed = engine_.attr("postprocess_output")(named, metadata);
        py::list target;
        target.append(annotation_to_python(sample.annotation));
        step = "Metric.update";
        metric_.attr("update")(processed, target);
        step = "Metric.value";
        scores_.push_back(mean_of(metric_.attr("value"), "value"));
    } catch (py::error_already_set& e) {
        POT_THROW(Runtime, "sample ", sample.index, ": ", step, " raised ", errors_.keep(e));
    } catch (const py::cast_error& e) {
        POT_THROW(Runtime, "sample ", sample.index, ": ", step, " gave a value of an unexpected type: ", e.what());
    }
}

double PythonMetric::value() const {
    flush();
    py::gil_scoped_acquire gil;
    try {
        return mean_of(metric_.attr("avg_value"), "avg_value");
    } catch (py::error_already_set& e) {
        POT_THROW(Runtime, "Metric.avg_value raised ", errors_.keep(e));
    } catch (const py::cast_error& e) {
        POT_THROW(Runtime, "Metric.avg_value gave a value of an unexpected type: ", e.what());
    }
}

std::vector<double> PythonMetric::per_sample() const {
    flush();
    return scores_;
}

double PythonMetric::mean_of(const py::handle& values, const char* property) const {
    POT_CHECK_KIND(Runtime, py::isinstance<py::dict>(values), "Metric.", property, " is a ",
                   values.get_type().attr("__name__").cast<std::string>(), "; expected a dict metric name -> value");
    const auto dict = py::reinterpret_borrow<py::dict>(values);
    py::object entry;
    if (dict.contains(name_)) entry = dict[name_.c_str()];
    else if (dict.size() == 1) entry = py::reinterpret_borrow<py::object>(dict.begin()->second);
    POT_CHECK_KIND(Runtime, entry, "Metric.", property, " has no entry '", name_, "' (keys: ",
                   py::str(dict.attr("keys")()).cast<std::string>(), ")");
    const auto numpy = py::module_::import("numpy");
    return numpy.attr("mean")(numpy.attr("ravel")(entry)).cast<double>();
}

}  // namespace pot::python
