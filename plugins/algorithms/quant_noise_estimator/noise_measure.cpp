#include "noise_measure.hpp"

#include <cmath>

#include "pot/error.hpp"
#include "pot/text.hpp"

namespace pot::quant_noise {

Measure parse_measure(const std::string& type, const std::string& where) {
    // POT's own table spells one of them "snqr_sample_mean"; both spellings are read.
    if (type == "sqnr") return Measure::Sqnr;
    if (type == "sqnr_per_channel") return Measure::SqnrPerChannel;
    if (type == "sqnr_sample_mean" || type == "snqr_sample_mean") return Measure::SqnrSampleMean;
    if (type == "sqnr_sample_per_channel") return Measure::SqnrSamplePerChannel;
    if (type == "sqnr_eltwise_mean") return Measure::SqnrEltwiseMean;
    POT_THROW(Config, where, ": unknown noise measure '", type, "'; expected one of sqnr, sqnr_per_channel, ",
              "sqnr_sample_mean, sqnr_sample_per_channel, sqnr_eltwise_mean");
}

bool per_channel(Measure measure) {
    return measure == Measure::SqnrPerChannel || measure == Measure::SqnrSamplePerChannel;
}

void NoiseAccumulator::add(const Tensor& reference, const Tensor& quantized, const std::string& layer) {
    POT_CHECK(reference.shape() == quantized.shape(), "layer '", layer, "': the float and the quantized ",
              "model give outputs of different shapes");
    const auto y = reference.to_floats();
    const auto q = quantized.to_floats();
    const auto& shape = reference.shape();
    size_t channels = 1, inner = y.size();
    if (per_channel(measure_)) {
        POT_CHECK(shape.size() >= 2 && shape[0] == 1 && shape[1] > 0, "layer '", layer, "': a per-channel noise ",
                  "measure needs an output of batch 1 with channels on axis 1, got rank ", shape.size());
        channels = static_cast<size_t>(shape[1]);
        inner = y.size() / channels;
    }
    if (samples_ == 0) {
        ratio_sum_.assign(channels, 0.0);
        signal_sum_.assign(channels, 0.0);
        noise_sum_.assign(channels, 0.0);
        ratio_count_.assign(channels, 0);
    }
    POT_CHECK(ratio_sum_.size() == channels, "layer '", layer, "': the channel count changed between samples");
    ++samples_;
    if (inner == 0) return;
    for (size_t c = 0; c < channels; ++c) {
        double signal = 0, noise = 0, eltwise = 0;
        for (size_t i = c * inner; i < (c + 1) * inner; ++i) {
            const double s = static_cast<double>(y[i]) * y[i];
            const double d = static_cast<double>(q[i]) - y[i];
            signal += s;
            noise += d * d;
            if (measure_ == Measure::SqnrEltwiseMean) eltwise += s / (eps_ + d * d);
        }
        signal /= static_cast<double>(inner);
        noise /= static_cast<double>(inner);
        signal_sum_[c] += signal;
        noise_sum_[c] += noise;
        const double ratio = measure_ == Measure::SqnrEltwiseMean ? eltwise / static_cast<double>(inner)
                                                                  : signal / (eps_ + noise);
        if (!std::isnan(ratio)) {
            ratio_sum_[c] += ratio;
            ++ratio_count_[c];
        }
    }
}

std::vector<double> NoiseAccumulator::value() const {
    std::vector<double> out;
    for (size_t c = 0; c < ratio_sum_.size(); ++c) {
        if (measure_ == Measure::SqnrSampleMean || measure_ == Measure::SqnrSamplePerChannel)
            out.push_back(signal_sum_[c] / (eps_ + noise_sum_[c]));  // the sample counts cancel
        else
            out.push_back(ratio_count_[c] ? ratio_sum_[c] / static_cast<double>(ratio_count_[c]) : std::nan(""));
    }
    return out;
}

}  // namespace pot::quant_noise
