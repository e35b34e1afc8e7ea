#include "tuning_settings.hpp"

#include <algorithm>

namespace pot::weight_sparsity {

namespace {

int64_t positive_int(const Params& params, const char* key, int64_t fallback) {
    const int64_t value = params.get_int(key, fallback);
    POT_CHECK_KIND(Config, value >= 1, params.path(), "/", key, ": must be >= 1, got ", value);
    return value;
}

double positive_double(const Params& params, const char* key, double fallback) {
    const double value = params.get_double(key, fallback);
    POT_CHECK_KIND(Config, value > 0.0, params.path(), "/", key, ": must be > 0, got ", value);
    return value;
}

}  // namespace

TuningSettings parse_tuning_settings(const Params& params, uint64_t seed) {
    TuningSettings s;
    s.enabled = params.get_bool("use_layerwise_tuning", false);
    s.iterations = positive_int(params, "tuning_iterations", kDefaultTuningIterations);
    const int64_t samples = positive_int(params, "num_samples_for_tuning", kDefaultTuningSamples);
    const int64_t pool = positive_int(params, "calibration_indices_pool", kDefaultTuningPool);
    s.samples = static_cast<size_t>(std::min(samples, pool));
    s.seed = seed;
    // POT's optimizer settings: a least-squares solve has no learning rate, batches or gradients.
    positive_int(params, "batch_size", 50);
    positive_double(params, "weights_lr", 1e-5);
    positive_double(params, "bias_lr", 1e-4);
    params.get_bool("calculate_grads_on_loss_increase_only", true);
    const double diff = params.get_double("initial_sparsity_level_diff", 0.1);
    POT_CHECK_KIND(Config, diff >= 0.0 && diff < 1.0, params.path(),
                   "/initial_sparsity_level_diff: must be in [0, 1), got ", diff);
    return s;
}

}  // namespace pot::weight_sparsity
