#include "python_data_loader.hpp"

#include <pybind11/numpy.h>

#include "array_conversion.hpp"

namespace py = pybind11;

namespace pot::python {

namespace {

constexpr const char* kGetItem = "DataLoader.__getitem__";

std::string type_name(const py::handle& object) {
    return object.get_type().attr("__name__").cast<std::string>();
}

py::array as_array(size_t index, const ValueInfo& input, const py::handle& object) {
    POT_CHECK_KIND(Input, py::isinstance<py::array>(object), "sample ", index, ", input '", input.name,
                   "': expected a numpy array, got ", object.is_none() ? "None" : type_name(object));
    return py::reinterpret_borrow<py::array>(object);
}

}  // namespace

PythonDataLoader::PythonDataLoader(py::object loader, std::vector<ValueInfo> inputs, PythonErrors& errors)
    : loader_(std::move(loader)), inputs_(std::move(inputs)), errors_(errors) {
    POT_CHECK_KIND(Usage, py::hasattr(loader_, "__len__") && py::hasattr(loader_, "__getitem__"),
                   "the engine's data_loader is a ", type_name(loader_),
                   "; expected a pot.DataLoader (with __len__ and __getitem__)");
    try {
        size_ = py::len(loader_);
    } catch (py::error_already_set& e) {
        POT_THROW(Input, "DataLoader.__len__ raised ", errors_.keep(e));
    }
    description_ = str_cat("Python data loader ", type_name(loader_), " (", size_, " samples)");
    json_dumps_ = py::module_::import("json").attr("dumps");
    json_default_ = py::module_::import("pot._support").attr("json_default");
    numpy_integer_ = py::module_::import("numpy").attr("integer");
}

// The Python objects are released by the thread that destroys the loader, which holds the GIL.
PythonDataLoader::~PythonDataLoader() = default;

Sample PythonDataLoader::get(size_t index) const {
    py::gil_scoped_acquire gil;
    py::object item;
    try {
        item = loader_.attr("__getitem__")(index);
    } catch (py::error_already_set& e) {
        POT_THROW(Input, "sample ", index, ": ", kGetItem, "(", index, ") raised ", errors_.keep(e));
    }
    // Reading the item runs Python too (len(), json.dumps, __index__ of a numpy scalar).
    try {
        return to_sample(index, item);
    } catch (py::error_already_set& e) {
        POT_THROW(Input, "sample ", index, ": reading what ", kGetItem, " returned raised ", errors_.keep(e));
    } catch (const py::cast_error& e) {
        POT_THROW(Input, "sample ", index, ": ", kGetItem, " returned a value of an unexpected type: ", e.what());
    }
}

py::object PythonDataLoader::metadata(size_t index) const {
    const py::int_ key(index);
    return metadata_.contains(key) ? py::object(metadata_[key]) : py::object(py::none());
}

Sample PythonDataLoader::to_sample(size_t index, const py::handle& item) const {
    const bool is_sequence = py::isinstance<py::tuple>(item) || py::isinstance<py::list>(item);
    const size_t parts = is_sequence ? py::len(item) : 0;
    POT_CHECK_KIND(Input, parts == 2 || parts == 3, "sample ", index, ": ", kGetItem, " returned ",
                   is_sequence ? str_cat("a sequence of ", parts, " items") : type_name(item),
                   "; expected (data, annotation) or (data, annotation, metadata)");
    const py::sequence fields = py::reinterpret_borrow<py::sequence>(item);
    Sample sample;
    sample.index = index;
    sample.inputs = to_tensors(index, fields[0]);
    sample.annotation = to_annotation(index, fields[1]);
    if (parts == 3 && !fields[2].is_none()) metadata_[py::int_(index)] = fields[2];
    return sample;
}

std::vector<Tensor> PythonDataLoader::to_tensors(size_t index, const py::handle& data) const {
    std::vector<Tensor> tensors;
    auto add = [&](const ValueInfo& input, const py::handle& object) {
        tensors.push_back(tensor_from_array(as_array(index, input, object), input,
                                            str_cat("sample ", index, ", input '", input.name, "'")));
    };
    if (py::isinstance<py::dict>(data)) {
        const auto given = py::reinterpret_borrow<py::dict>(data);
        for (const auto& input : inputs_) {
            POT_CHECK_KIND(Input, given.contains(input.name), "sample ", index,
                           ": the data dict has no array for the model input '", input.name,
                           "' (keys: ", py::str(given.attr("keys")()).cast<std::string>(), ")");
            add(input, given[input.name.c_str()]);
        }
        POT_CHECK_KIND(Input, py::len(given) == inputs_.size(), "sample ", index, ": the data dict has ",
                       py::len(given), " entries; the model has ", inputs_.size(), " inputs");
    } else if (inputs_.size() > 1 && (py::isinstance<py::list>(data) || py::isinstance<py::tuple>(data))) {
        const auto given = py::reinterpret_borrow<py::sequence>(data);
        POT_CHECK_KIND(Input, py::len(given) == inputs_.size(), "sample ", index, ": ", py::len(given),
                       " arrays for a model of ", inputs_.size(), " inputs; give one per input, in input order");
        for (size_t i = 0; i < inputs_.size(); ++i) add(inputs_[i], given[i]);
    } else {
        POT_CHECK_KIND(Input, inputs_.size() == 1 || data.is_none(), "sample ", index, ": the model has ",
                       inputs_.size(), " inputs; give a dict input name -> numpy array, or a list in input order");
        add(inputs_.front(), data);
    }
    return tensors;
}

std::optional<Annotation> PythonDataLoader::to_annotation(size_t index, const py::handle& annotation) const {
    if (annotation.is_none()) return std::nullopt;
    if (py::isinstance<py::str>(annotation)) return Annotation::of_text(annotation.cast<std::string>());
    // Python ints and numpy integer scalars (np.int64 labels) alike; a bool (Python's or numpy's) is a
    // JSON value, not class 0 or 1.
    if ((py::isinstance<py::int_>(annotation) && !py::isinstance<py::bool_>(annotation)) ||
        py::isinstance(annotation, numpy_integer_))
        return Annotation::of_class(py::int_(py::reinterpret_borrow<py::object>(annotation)).cast<int64_t>());
    try {
        return Annotation::of_json(json_dumps_(annotation, py::arg("default") = json_default_).cast<std::string>());
    } catch (py::error_already_set& e) {
        POT_THROW(Input, "sample ", index, ": the annotation, a ", type_name(annotation),
                  ", is not an int, a str, None or a JSON-serialisable value (", errors_.keep(e), ")");
    }
}

py::object annotation_to_python(const std::optional<Annotation>& annotation) {
    if (!annotation) return py::none();
    switch (annotation->kind) {
        case Annotation::Kind::ClassIndex: return py::int_(annotation->class_index);
        case Annotation::Kind::Text: return py::str(annotation->text);
        case Annotation::Kind::Json: return py::module_::import("json").attr("loads")(annotation->text);
    }
    return py::none();
}

}  // namespace pot::python
