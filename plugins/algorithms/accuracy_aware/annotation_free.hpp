#pragma once

#include <vector>

#include "pot/algorithm.hpp"

namespace pot::accuracy_aware {

/// annotation_free: the samples of the evaluation data on which `float_model` is confident, whose
/// prediction can stand in for a label. A sample is kept when the largest class probability of its
/// first output (softmax over the output's values, unless they are already probabilities in
/// [0, 1]) is above `threshold`. The search then scores agreement with the float model on these
/// samples only, as POT scored its pseudo-labels.
std::vector<size_t> confident_samples(const Graph& float_model, HostServices& host, double threshold);

/// The largest class probability of `scores`: softmax first unless every score is in [0, 1].
double confidence(const std::vector<float>& scores);

}  // namespace pot::accuracy_aware
