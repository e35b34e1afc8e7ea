#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "pot/data.hpp"
#include "pot/graph.hpp"
#include "python_errors.hpp"

namespace pot::python {

/// A Python data loader as POT defines it (`__len__`, and `__getitem__` returning
/// `(data, annotation)` or `(data, annotation, metadata)`) seen as a pot::DataLoader for one model.
///
/// `data` is a numpy array when the model has one input, else a dict input name -> array (a list
/// or tuple in input order is read too). Each array is copied once into a tensor of the input's
/// type (see tensor_from_array). The annotation becomes a class index when it is an integer, a
/// text when it is a str, nothing when None, and JSON text for anything else JSON can write
/// (numpy arrays and scalars as lists and numbers). Metadata is kept per sample for the metric.
///
/// get() is called from several engine threads: each call takes the GIL for the Python part only.
/// Construction, metadata() and destruction need the GIL held.
class PythonDataLoader final : public DataLoader {
public:
    /// `loader` must stay usable while this object lives; `inputs` are the model's inputs;
    /// `errors` keeps the Python exception of a failed call and must outlive this object.
    PythonDataLoader(pybind11::object loader, std::vector<ValueInfo> inputs, PythonErrors& errors);
    ~PythonDataLoader() override;

    size_t size() const override { return size_; }
    Sample get(size_t index) const override;
    std::string describe() const override { return description_; }

    /// The metadata __getitem__ gave sample `index` last, or None.
    pybind11::object metadata(size_t index) const;

private:
    Sample to_sample(size_t index, const pybind11::handle& item) const;
    std::vector<Tensor> to_tensors(size_t index, const pybind11::handle& data) const;
    std::optional<Annotation> to_annotation(size_t index, const pybind11::handle& annotation) const;

    pybind11::object loader_;
    std::vector<ValueInfo> inputs_;
    PythonErrors& errors_;
    size_t size_ = 0;
    std::string description_;
    pybind11::object json_dumps_, json_default_, numpy_integer_;
    pybind11::dict metadata_;  // sample index -> metadata; guarded by the GIL
};

/// The annotation as Python sees it: int, str or the parsed JSON value; None when there is none.
/// Needs the GIL.
pybind11::object annotation_to_python(const std::optional<Annotation>& annotation);

}  // namespace pot::python
