#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "pot/core/log.hpp"
#include "pot/core/quantization_job.hpp"

namespace pot::app {

namespace {

void print_evaluation(const core::Comparison& e, size_t samples) {
    std::cout << std::fixed << std::setprecision(2) << "  " << e.int8.metric << " on " << samples
              << " samples: FP32 " << e.fp32.value << "%, INT8 " << e.int8.value << "% (drop " << e.drop()
              << " points)\n";
    if (e.changes)
        std::cout << "  INT8 changed " << e.changes->fixed + e.changes->broken << " predictions: "
                  << e.changes->fixed << " now right, " << e.changes->broken
                  << " now wrong (standard error of the drop " << e.changes->standard_error_points()
                  << " points)\n";
    if (e.mean_cosine)
        std::cout << std::setprecision(4) << "  mean cosine similarity INT8 vs FP32: " << *e.mean_cosine << "\n";
}

void print_model(const core::JobResult& r) {
    std::cout << "Quantized " << r.model_name << " with " << r.algorithm_count << " algorithm(s) in "
              << std::fixed << std::setprecision(2) << r.quantize_seconds << " s\n";
    std::cout << "  FP32 model: " << r.fp32_bytes << " bytes\n  INT8 model: " << r.int8_bytes << " bytes ("
              << std::setprecision(1)
              << 100.0 * static_cast<double>(r.int8_bytes) / static_cast<double>(r.fp32_bytes) << "% of FP32)\n";
    if (!r.layers.empty()) std::cout << core::layer_errors_table(r.layers, 10);
    if (r.evaluation) print_evaluation(*r.evaluation, r.evaluation_samples);
}

}  // namespace

int run_quantize(const QuantizeOptions& options) {
    core::Logger logger(core::parse_log_level(options.log_level));
    core::JobOptions job;
    job.config = options.config;
    job.plugin_dirs = plugin_dirs(options.plugins);
    job.output_dir = options.output_dir;
    job.evaluate = options.evaluate;
    job.direct_dump = options.direct_dump;
    job.save_model = options.save_model;
    const auto r = core::run_quantization_job(job, logger);

    if (r.models.empty()) {
        print_model(r);
    } else {
        std::cout << "Quantized cascade " << r.model_name << " (" << r.models.size() << " models) in " << std::fixed
                  << std::setprecision(2) << r.quantize_seconds << " s\n";
        for (const auto& m : r.models) {
            std::cout << "\n";
            print_model(m);
        }
    }
    std::cout << "  results: " << r.results_dir.string() << "\n";
    if (!r.target_met) return 0;
    std::cout << "  accuracy target: " << (*r.target_met ? "met" : "NOT met (the model is the best one found)")
              << "\n";
    return *r.target_met ? 0 : kExitTargetMissed;
}

}  // namespace pot::app
