#include <pot/plugin_export.hpp>

#include "metrics.hpp"

namespace {
using namespace pot::metrics;
const PotFactory kFactories[] = {
    pot::make_factory<pot::Metric, Accuracy>("accuracy", "top-k accuracy against class-index annotations"),
    pot::make_factory<pot::Metric, SampleAgreement>(
        "agreement", "percent of samples whose argmax over the last axis matches the float model everywhere"),
    pot::make_factory<pot::Metric, PositionAgreement>(
        "position_agreement", "percent of positions whose argmax over the last axis matches the float model"),
    pot::make_factory<pot::Metric, CtcExactMatch>(
        "ctc_exact_match", "percent of samples whose greedy CTC decoding equals their text annotation"),
    pot::make_factory<pot::Metric, Cosine>("cosine", "mean cosine similarity with the float model's output"),
    pot::make_factory<pot::Metric, Sqnr>("sqnr", "signal-to-quantization-noise ratio against the float model, dB"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("pot-standard-metrics", "0.1.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
