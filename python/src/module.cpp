// pot._native: the C++ side of the `pot` Python package. python/pot/__init__.py builds POT's API
// (DataLoader, Metric, IEEngine, load_model, save_model, compress_model_weights, create_pipeline)
// on these functions; they are not meant to be called directly.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "engine_handle.hpp"
#include "model_functions.hpp"
#include "pipeline_functions.hpp"
#include "pot/abi.h"
#include "pot/core/config.hpp"
#include "python_errors.hpp"

namespace py = pybind11;
using namespace pot::python;

namespace {

std::vector<pot::core::AlgorithmConfig> to_algorithm_configs(const py::list& algorithms) {
    std::vector<pot::core::AlgorithmConfig> configs;
    for (const auto& entry : algorithms) {
        const auto fields = entry.cast<std::tuple<std::string, std::string, std::string>>();
        configs.push_back({std::get<0>(fields), std::get<1>(fields), std::get<2>(fields)});
    }
    return configs;
}

UserObjects user_objects(py::object engine) {
    return {engine, engine.attr("data_loader"), engine.attr("metric")};
}

void bind_model(py::module_& m) {
    py::class_<Model>(m, "Model", "A model loaded by pot.load_model or made by a pipeline.")
        .def_readwrite("name", &Model::name, "The name save_model() gives its file when it is given none.")
        .def_property_readonly("inputs", [](const Model& model) {
            py::list inputs;
            for (const auto& input : model.graph.inputs)
                inputs.append(py::make_tuple(input.name, pot::dtype_name(input.dtype), input.shape));
            return inputs;
        }, "The model's inputs: (name, element type, shape) each; -1 marks a dynamic dimension.")
        .def_property_readonly("outputs", [](const Model& model) {
            py::list outputs;
            for (const auto& output : model.graph.outputs) outputs.append(output.name);
            return outputs;
        })
        .def_property_readonly("node_count", [](const Model& model) { return model.graph.nodes.size(); })
        .def("__repr__", [](const Model& model) {
            return pot::str_cat("<pot.Model '", model.name, "': ", model.graph.nodes.size(), " nodes>");
        });
    m.def("load_model", &load_model, py::arg("file"), py::arg("name"), py::call_guard<py::gil_scoped_release>());
    m.def("save_model", &save_model, py::arg("model"), py::arg("file"), py::call_guard<py::gil_scoped_release>());
    m.def("weight_storage", [](const Model& model) {
        const WeightStorage storage = weight_storage(model);
        py::dict summary;
        summary["quantized_weights"] = storage.quantized_weights;
        summary["float_bytes"] = storage.float_bytes;
        summary["stored_bytes"] = storage.stored_bytes;
        return summary;
    });
}

void bind_engine(py::module_& m) {
    py::class_<EngineHandle, std::shared_ptr<EngineHandle>>(m, "Engine")
        .def(py::init<const std::filesystem::path&, const std::string&, int>(), py::arg("plugin_dir"),
             py::arg("backend"), py::arg("threads"), py::call_guard<py::gil_scoped_release>())
        .def_property_readonly("name", &EngineHandle::name)
        .def_property_readonly("plugin_dir", &EngineHandle::plugin_dir)
        .def("algorithm_names", [](const EngineHandle& engine, const py::list& algorithms) {
            return check_algorithms(engine, to_algorithm_configs(algorithms));
        });
    m.def("run_pipeline", [](EngineHandle& engine, const py::list& algorithms, const std::string& target_device,
                             const Model& model, py::object ie_engine) {
        return run_pipeline(engine, to_algorithm_configs(algorithms), target_device, model, user_objects(ie_engine));
    });
    m.def("evaluate", [](EngineHandle& engine, const Model& model, py::object ie_engine) {
        return evaluate_model(engine, model, user_objects(ie_engine));
    });
    m.def("checked_target_device", &pot::core::checked_target_device, py::arg("device"), py::arg("where"));
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "The C++ side of the pot package; use the functions of `pot` instead.";
    register_error_type(m);
    m.attr("__version__") = POT_VERSION;
    m.attr("abi_version") = pot::str_cat(POT_ABI_MAJOR, ".", POT_ABI_MINOR);
    bind_model(m);
    bind_engine(m);
}
