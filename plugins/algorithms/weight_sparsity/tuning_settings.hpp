#pragma once

#include <cstddef>
#include <cstdint>

#include "pot/params.hpp"

namespace pot::weight_sparsity {

/// POT's default number of samples a layer-wise tuning step draws from the pool.
inline constexpr int64_t kDefaultTuningSamples = 2000;
/// POT's default pool of calibration samples the tuning draws from (the first ones).
inline constexpr int64_t kDefaultTuningPool = 300;
/// POT's default passes of its SparseModelFinetuning; here the most conjugate-gradient iterations.
inline constexpr int64_t kDefaultTuningIterations = 30;

/// The layer-wise tuning keys of POT's WeightSparsity. The fit is a least-squares solve, not
/// training: `iterations` and `samples` have an effect, POT's optimizer settings (learning rates,
/// batch size, gradient masking, the gradual sparsity schedule) are read and checked only.
struct TuningSettings {
    bool enabled = false;  ///< use_layerwise_tuning
    /// tuning_iterations: the most conjugate-gradient iterations of a layer solved iteratively.
    int64_t iterations = kDefaultTuningIterations;
    /// Calibration samples the fit gathers its rows from: the first
    /// min(num_samples_for_tuning, calibration_indices_pool) samples of the data.
    size_t samples = static_cast<size_t>(kDefaultTuningPool);
    uint64_t seed = 0;  ///< picks the sampled positions of each layer's source
};

/// Reads use_layerwise_tuning, tuning_iterations, num_samples_for_tuning,
/// calibration_indices_pool, batch_size, weights_lr, bias_lr,
/// calculate_grads_on_loss_increase_only and initial_sparsity_level_diff from `params`, marking
/// them known; `seed` is the algorithm's sampling seed. Errors are Config errors naming the JSON
/// path, e.g. ".../params/num_samples_for_tuning: must be >= 1, got -5".
TuningSettings parse_tuning_settings(const Params& params, uint64_t seed);

}  // namespace pot::weight_sparsity
