#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "pot/core/graph_transforms.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/registry.hpp"
#include "pot/engine.hpp"

namespace pot::app {

int run_benchmark(const BenchmarkCommand& options) {
    core::Registry registry;
    load_plugins(registry, options.plugins);
    auto engine = core::create_engine(registry, options.engine, "{}", options.threads, "--engine");
    Graph graph = core::load_onnx(options.model);
    checked_benchmark_input_bytes(graph, options.batch, "benchmark: --batch", ErrorKind::Usage);
    core::optimize_graph(graph);
    auto model = engine->compile(graph);
    BenchmarkOptions bench;
    bench.batch = options.batch;
    bench.iterations = options.iterations;
    bench.seconds = options.seconds;
    const auto r = engine->benchmark(*model, bench);
    if (options.json) {
        const nlohmann::json j = {{"model", options.model.string()}, {"engine", engine->name()},
                                  {"batch", options.batch}, {"threads", options.threads},
                                  {"count", r.count}, {"duration_ms", r.duration_ms},
                                  {"latency_median_ms", r.latency_median_ms},
                                  {"latency_avg_ms", r.latency_avg_ms}, {"latency_min_ms", r.latency_min_ms},
                                  {"latency_max_ms", r.latency_max_ms}, {"throughput_fps", r.throughput_fps}};
        std::cout << j.dump() << std::endl;
        return 0;
    }
    std::cout << std::fixed << std::setprecision(2) << "Model:       " << options.model.string() << "\n"
              << "Engine:      " << engine->name() << " (batch " << options.batch << ")\n"
              << "Count:       " << r.count << " iterations\n"
              << "Duration:    " << r.duration_ms << " ms\n"
              << "Latency:\n"
              << "    Median:  " << r.latency_median_ms << " ms\n"
              << "    Average: " << r.latency_avg_ms << " ms\n"
              << "    Min:     " << r.latency_min_ms << " ms\n"
              << "    Max:     " << r.latency_max_ms << " ms\n"
              << "Throughput:  " << r.throughput_fps << " FPS\n";
    return 0;
}

}  // namespace pot::app
