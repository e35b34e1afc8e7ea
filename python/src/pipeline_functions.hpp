#pragma once

#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "engine_handle.hpp"
#include "model_functions.hpp"
#include "pot/core/config.hpp"

namespace pot::python {

/// What user code a run sees: the IEEngine object (for postprocess_output), its data loader and
/// its metric (None: the default metric plugin, as pot-host picks it).
struct UserObjects {
    pybind11::object engine, data_loader, metric;
};

/// Names of the algorithms `algorithms` expands to; throws the registry's pot::Error for an
/// unknown name or bad parameters. Needs the GIL (and keeps it: no user code runs).
std::vector<std::string> check_algorithms(const EngineHandle& engine,
                                          const std::vector<core::AlgorithmConfig>& algorithms);

/// Runs `algorithms` on a copy of `model` as pot-host does (core::Pipeline through a Session, with
/// an Evaluator on the same data), calibrating on `user.data_loader`; returns the quantized model.
/// Called with the GIL held; releases it while the algorithms run. A pot::Error becomes pot.Error,
/// caused by the Python exception of user code when one started it.
Model run_pipeline(EngineHandle& engine, const std::vector<core::AlgorithmConfig>& algorithms,
                   const std::string& target_device, const Model& model, const UserObjects& user);

/// Evaluates `model` on `user.data_loader` with `user.metric`: the metric's avg_value (a Python
/// metric) or {name: value} (the default metric). GIL as for run_pipeline().
pybind11::dict evaluate_model(EngineHandle& engine, const Model& model, const UserObjects& user);

}  // namespace pot::python
