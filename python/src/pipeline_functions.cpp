#include "pipeline_functions.hpp"

#include <memory>

#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/plugin_boundary.hpp"
#include "pot/core/session.hpp"
#include "python_data_loader.hpp"
#include "python_errors.hpp"
#include "python_metric.hpp"

namespace py = pybind11;

namespace pot::python {

namespace {

std::vector<std::string> output_names(const Graph& graph) {
    std::vector<std::string> names;
    for (const auto& output : graph.outputs) names.push_back(output.name);
    return names;
}

// The data loader and metric of one run, seen from C++. Made and destroyed with the GIL held.
struct RunData {
    std::unique_ptr<PythonDataLoader> data;
    std::unique_ptr<Metric> metric;
    bool python_metric = false;

    RunData(const EngineHandle& engine, const Model& model, const UserObjects& user, PythonErrors& errors) {
        POT_CHECK_KIND(Usage, !user.data_loader.is_none(), "the engine has no data_loader; create it as "
                       "IEEngine(config, data_loader=...) to quantize or evaluate");
        data = std::make_unique<PythonDataLoader>(user.data_loader, model.graph.inputs, errors);
        POT_CHECK_KIND(Input, data->size() > 0, data->describe(), ": no samples");
        python_metric = !user.metric.is_none();
        if (python_metric)
            metric = std::make_unique<PythonMetric>(user.metric, user.engine, *data, output_names(model.graph), errors);
        else
            metric = core::guard_metric(engine.registry().create_metric(core::default_metric_type(*data), "{}",
                                                                        "the default metric"));
    }
};

}  // namespace

std::vector<std::string> check_algorithms(const EngineHandle& engine,
                                          const std::vector<core::AlgorithmConfig>& algorithms) {
    return core::Pipeline(engine.registry(), algorithms).names();
}

Model run_pipeline(EngineHandle& engine, const std::vector<core::AlgorithmConfig>& algorithms,
                   const std::string& target_device, const Model& model, const UserObjects& user) {
    PythonErrors errors;
    return raising_through(errors, [&] {
        core::Pipeline pipeline(engine.registry(), algorithms);
        RunData run(engine, model, user, errors);
        Model quantized = model;
        core::Logger logger(LogLevel::Warning);
        core::Evaluator evaluator(engine.engine(), *run.data, model.graph, *run.metric);
        core::Session session(engine.engine(), *run.data, evaluator, target_device, logger, nullptr);
        session.offer_search(engine.registry(), [] { return false; });
        {
            py::gil_scoped_release released;
            pipeline.run(quantized.graph, session);
        }
        return quantized;
    });
}

py::dict evaluate_model(EngineHandle& engine, const Model& model, const UserObjects& user) {
    PythonErrors errors;
    return raising_through(errors, [&] {
        RunData run(engine, model, user, errors);
        core::Evaluator evaluator(engine.engine(), *run.data, model.graph, *run.metric);
        EvaluationResult result;
        {
            py::gil_scoped_release released;
            result = evaluator.evaluate_float();
        }
        if (run.python_metric) return py::dict(user.metric.attr("avg_value"));
        py::dict values;
        values[result.metric.c_str()] = result.value;
        return values;
    });
}

}  // namespace pot::python
