#include <algorithm>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "pot/core/benchmark_inputs.hpp"
#include "pot/core/graph_transforms.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/registry.hpp"
#include "pot/engine.hpp"
#include "pot/profiling.hpp"

namespace pot::app {

namespace {

core::BenchmarkInputSpec input_spec(const BenchmarkCommand& options) {
    core::BenchmarkInputSpec spec;
    spec.batch = options.batch;
    if (!options.shape.empty()) spec.shapes = core::parse_shape_option(options.shape);
    for (const auto& item : options.data) {
        const auto eq = item.find('=');
        const std::string name = eq == std::string::npos ? "" : item.substr(0, eq);
        POT_CHECK_KIND(Usage, !spec.data.count(name), "--data: input '", name, "' given twice");
        spec.data[name] = eq == std::string::npos ? item : item.substr(eq + 1);
    }
    return spec;
}

// benchmark_app's -pc table: one row per step, slowest first.
void print_steps(const std::vector<NodeTime>& steps, int64_t iterations, double steps_ms) {
    size_t node_w = 4, op_w = 2, impl_w = 14;
    for (const auto& s : steps) {
        node_w = std::max(node_w, std::min<size_t>(s.node.size(), 48));
        op_w = std::max(op_w, s.op.size());
        impl_w = std::max(impl_w, std::min<size_t>(s.implementation.size(), 56));
    }
    std::cout << "\nPer step (" << iterations << " timed runs, each step waited for; sum "
              << steps_ms / static_cast<double>(iterations) << " ms per run):\n"
              << std::left << std::setw(static_cast<int>(node_w) + 2) << "node" << std::setw(static_cast<int>(op_w) + 2)
              << "op" << std::setw(static_cast<int>(impl_w) + 2) << "implementation" << std::right
              << std::setw(10) << "ms" << std::setw(8) << "share" << "\n";
    for (const auto& s : steps) {
        std::cout << std::left << std::setw(static_cast<int>(node_w) + 2)
                  << (s.node.empty() ? "-" : s.node.substr(0, 48)) << std::setw(static_cast<int>(op_w) + 2) << s.op
                  << std::setw(static_cast<int>(impl_w) + 2) << s.implementation.substr(0, 56) << std::right
                  << std::setprecision(3) << std::setw(10) << s.total_ms / static_cast<double>(iterations)
                  << std::setprecision(1) << std::setw(7) << (steps_ms > 0 ? 100.0 * s.total_ms / steps_ms : 0.0)
                  << "%\n";
    }
}

}  // namespace

int run_benchmark(const BenchmarkCommand& options) {
    core::Registry registry;
    load_plugins(registry, options.plugins);
    auto engine = core::create_engine(registry, options.engine, options.engine_params, options.threads, "--engine-params");
    Graph graph = core::load_onnx(options.model);
    std::vector<std::string> input_names;
    for (const auto& in : graph.inputs)
        if (!graph.is_constant(in.name)) input_names.push_back(in.name);
    BenchmarkOptions bench;
    bench.inputs = core::make_benchmark_inputs(graph, input_spec(options));
    bench.batch = bench.inputs.empty() || bench.inputs[0].rank() == 0 ? 1 : bench.inputs[0].dim(0);
    bench.iterations = options.iterations;
    bench.seconds = options.seconds;
    // An input the model declares with a batch of 1 that --batch enlarged: models that build that
    // 1 into their shapes (a Reshape to [1, ...]) fail deep inside; say what changed it.
    std::string enlarged;
    for (size_t i = 0; i < graph.inputs.size() && enlarged.empty(); ++i) {
        const ValueInfo& in = graph.inputs[i];
        if (graph.is_constant(in.name) || in.shape.empty() || in.shape[0] != 1 || options.batch <= 1) continue;
        for (const auto& t : bench.inputs)
            if (t.rank() > 0 && t.dim(0) == options.batch) enlarged = in.name;
    }
    core::optimize_graph(graph);
    std::unique_ptr<CompiledModel> model;
    BenchmarkResult r;
    try {
        model = engine->compile(graph);
        r = engine->benchmark(*model, bench);
    } catch (const Error& e) {
        if (enlarged.empty()) throw;
        throw Error(e.kind(), str_cat(e.what(), "\n(--batch ", options.batch, " replaced the batch of 1 that the model ",
                                      "declares for input '", enlarged, "'; a model that builds that batch into its ",
                                      "shapes runs only at batch 1: drop --batch)"));
    }
    std::vector<NodeTime> steps;
    int64_t profiled = 0;
    if (options.per_node) {
        auto* profiling = dynamic_cast<ProfilingModel*>(model.get());
        POT_CHECK_KIND(Usage, profiling != nullptr, "-pc: engine '", engine->name(), "' does not time its steps");
        profiled = std::clamp<int64_t>(r.count, 1, 100);
        steps = profiling->profile(bench.inputs, profiled);
        std::stable_sort(steps.begin(), steps.end(),
                         [](const NodeTime& a, const NodeTime& b) { return a.total_ms > b.total_ms; });
    }
    double steps_ms = 0;
    for (const auto& s : steps) steps_ms += s.total_ms;
    if (options.json) {
        nlohmann::json inputs = nlohmann::json::array();
        for (size_t i = 0; i < bench.inputs.size(); ++i)
            inputs.push_back({{"name", input_names.at(i)}, {"type", dtype_name(bench.inputs[i].dtype())},
                              {"shape", bench.inputs[i].shape()}});
        const nlohmann::json j = {{"model", options.model.string()}, {"engine", engine->name()},
                                  {"batch", bench.batch}, {"threads", options.threads},
                                  {"inputs", inputs},
                                  {"count", r.count}, {"duration_ms", r.duration_ms},
                                  {"latency_median_ms", r.latency_median_ms},
                                  {"latency_avg_ms", r.latency_avg_ms}, {"latency_min_ms", r.latency_min_ms},
                                  {"latency_max_ms", r.latency_max_ms}, {"throughput_fps", r.throughput_fps}};
        nlohmann::json out = j;
        if (options.per_node) {
            nlohmann::json rows = nlohmann::json::array();
            for (const auto& s : steps)
                rows.push_back({{"node", s.node}, {"op", s.op}, {"implementation", s.implementation},
                                {"ms", s.total_ms / static_cast<double>(profiled)},
                                {"share", steps_ms > 0 ? s.total_ms / steps_ms : 0.0}});
            out["per_node"] = {{"iterations", profiled}, {"steps", rows}};
        }
        std::cout << out.dump() << std::endl;
        return 0;
    }
    std::cout << std::fixed << std::setprecision(2) << "Model:       " << options.model.string() << "\n"
              << "Engine:      " << engine->name() << " (batch " << bench.batch << ")\n";
    for (size_t i = 0; i < bench.inputs.size(); ++i)
        std::cout << (i == 0 ? "Inputs:      " : "             ") << input_names.at(i) << " "
                  << dtype_name(bench.inputs[i].dtype()) << " " << shape_str(bench.inputs[i].shape())
                  << "\n";
    std::cout << "Count:       " << r.count << " iterations\n"
              << "Duration:    " << r.duration_ms << " ms\n"
              << "Latency:\n"
              << "    Median:  " << r.latency_median_ms << " ms\n"
              << "    Average: " << r.latency_avg_ms << " ms\n"
              << "    Min:     " << r.latency_min_ms << " ms\n"
              << "    Max:     " << r.latency_max_ms << " ms\n"
              << "Throughput:  " << r.throughput_fps << " FPS\n";
    if (options.per_node) print_steps(steps, profiled, steps_ms);
    return 0;
}

}  // namespace pot::app
