#pragma once

#include <string>
#include <vector>

#include "pot/tensor.hpp"

namespace pot::quant_noise {

/// POT's QuantNoiseEstimator "type": how one layer's output in the quantized model (Y') is
/// compared with the float model's (Y), sample by sample, over the elements of each sample.
enum class Measure {
    Sqnr,                  ///< mean(Y^2) / (eps + mean((Y' - Y)^2)) per sample, then the mean over samples
    SqnrPerChannel,        ///< the same per channel (axis 1)
    SqnrSampleMean,        ///< the means of Y^2 and of (Y' - Y)^2 over all samples first, then their ratio
    SqnrSamplePerChannel,  ///< the same per channel
    SqnrEltwiseMean,       ///< mean(Y^2 / (eps + (Y' - Y)^2)) per sample, then the mean over samples
};

/// The measure named by POT's "type" value; throws pot::Error(Config) naming `where` and the
/// values accepted otherwise.
Measure parse_measure(const std::string& type, const std::string& where);

/// Whether the measure gives one value per channel.
bool per_channel(Measure measure);

/// Folds in the samples of one layer and gives the layer's noise metric: one value, or one per
/// channel. Like POT, a sample whose ratio is not a number (0 / 0) is left out of the means.
class NoiseAccumulator {
public:
    NoiseAccumulator(Measure measure, double eps) : measure_(measure), eps_(eps) {}

    /// One sample: the float model's output and the quantized model's, of equal shape (batch 1,
    /// channels on axis 1 for the per-channel measures). Throws pot::Error naming `layer` when
    /// the shapes differ.
    void add(const Tensor& reference, const Tensor& quantized, const std::string& layer);

    /// The metric over the samples added; empty before the first sample.
    std::vector<double> value() const;

private:
    Measure measure_;
    double eps_;
    size_t samples_ = 0;
    // Per channel (one entry for the per-tensor measures): the sums of the per-sample ratios and
    // how many were numbers, and the sums of the per-sample signal and noise means.
    std::vector<double> ratio_sum_, signal_sum_, noise_sum_;
    std::vector<size_t> ratio_count_;
};

}  // namespace pot::quant_noise
