#include "python_errors.hpp"

namespace py = pybind11;

namespace pot::python {

namespace {

const char* kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage: return "usage";
        case ErrorKind::Config: return "config";
        case ErrorKind::Input: return "input";
        case ErrorKind::Runtime: return "runtime";
    }
    return "runtime";
}

PyObject* g_error_type = nullptr;  // set at import

void set_error(const Error& error) {
    py::object exception = py::reinterpret_borrow<py::object>(g_error_type)(error.what());
    exception.attr("kind") = kind_name(error.kind());
    PyErr_SetObject(g_error_type, exception.ptr());
}

}  // namespace

py::handle error_type() { return g_error_type; }

void register_error_type(py::module_& module) {
    // Never freed: the type lives as long as the interpreter, and a static would be released after it.
    auto* type = new py::exception<Error>(module, "Error", PyExc_RuntimeError);
    type->doc() = "A failure reported by the toolkit; `kind` says which: usage, config, input or runtime.";
    type->attr("__module__") = "pot";
    g_error_type = type->ptr();
    py::register_exception_translator([](std::exception_ptr thrown) {
        try {
            if (thrown) std::rethrow_exception(thrown);
        } catch (const Error& e) {
            set_error(e);
        }
    });
}

std::string PythonErrors::keep(py::error_already_set& error) {
    if (!first_) first_ = error;
    // what() would add the traceback, which the kept exception shows in full anyway.
    const py::handle value = error.value();
    const auto type_name = value.get_type().attr("__name__").cast<std::string>();
    const auto message = py::str(value).cast<std::string>();
    return message.empty() ? type_name : type_name + ": " + message;
}

void PythonErrors::raise(const Error& error) {
    if (!first_) throw error;
    std::optional<py::error_already_set> cause;
    cause.swap(first_);
    py::raise_from(*cause, g_error_type, error.what());
    py::error_already_set raised;
    py::setattr(raised.value(), "kind", py::str(kind_name(error.kind())));
    throw raised;
}

}  // namespace pot::python
