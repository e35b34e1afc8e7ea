#pragma once

#include <optional>
#include <string>

#include <pybind11/pybind11.h>

#include "pot/error.hpp"

namespace pot::python {

/// The Python exception type pot.Error (a RuntimeError), registered by the module.
pybind11::handle error_type();
/// Makes pot::Error raise pot.Error with the same message and a `kind` attribute ("usage",
/// "config", "input", "runtime"). Called once, when the module is imported.
void register_error_type(pybind11::module_& module);

/// The first exception that user code (a DataLoader, a Metric, an engine's postprocess_output)
/// raised while C++ code ran it from one of its threads. The C++ side turns it into a pot::Error at
/// once, so that it crosses engine threads and plugin calls like any other; the Python exception
/// itself is kept here and becomes the cause (`__cause__`) of the pot.Error raised at the end.
/// Every member is used with the GIL held.
class PythonErrors {
public:
    /// Keeps `error` when it is the first one; returns its text ("ValueError: bad sample").
    std::string keep(pybind11::error_already_set& error);
    /// Raises `error` as pot.Error: from the kept Python exception when there is one.
    [[noreturn]] void raise(const Error& error);

private:
    std::optional<pybind11::error_already_set> first_;
};

/// Runs `work` (called with the GIL held); a pot::Error it throws is raised through `errors`.
template <typename Work>
auto raising_through(PythonErrors& errors, Work&& work) -> decltype(work()) {
    try {
        return work();
    } catch (const Error& e) {
        errors.raise(e);
    }
}

}  // namespace pot::python
