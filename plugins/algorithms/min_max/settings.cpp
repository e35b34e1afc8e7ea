#include "settings.hpp"

#include <cctype>

namespace pot::min_max {

namespace {

ReducerKind low_reducer(const Params& p) {
    const auto type = p.get_enum<std::string>("type", "min", {{"min", "min"}, {"quantile", "quantile"}});
    const auto aggregator = p.get_enum<std::string>("aggregator", "mean", {{"mean", "mean"}, {"min", "min"}});
    if (type == "quantile") {
        POT_CHECK_KIND(Config, aggregator == "mean", p.path(), "/aggregator: quantile estimates are "
                       "averaged over samples; use \"mean\"");
        return ReducerKind::MeanQuantileLow;
    }
    return aggregator == "mean" ? ReducerKind::MeanMin : ReducerKind::Min;
}

ReducerKind high_reducer(const Params& p) {
    const auto type = p.get_enum<std::string>(
        "type", "max", {{"max", "max"}, {"abs_max", "abs_max"}, {"quantile", "quantile"}});
    const auto aggregator = p.get_enum<std::string>("aggregator", "mean", {{"mean", "mean"}, {"max", "max"}});
    if (type == "quantile") {
        POT_CHECK_KIND(Config, aggregator == "mean", p.path(), "/aggregator: quantile estimates are "
                       "averaged over samples; use \"mean\"");
        return ReducerKind::MeanQuantileHigh;
    }
    if (type == "abs_max") {
        POT_CHECK_KIND(Config, aggregator == "max", p.path(), "/aggregator: abs_max is taken over all "
                       "samples; use \"max\"");
        return ReducerKind::AbsMax;
    }
    return aggregator == "mean" ? ReducerKind::MeanMax : ReducerKind::Max;
}

std::string str_cat_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

int parse_iterations(const Params& p) {
    const auto iterations = p.get_int("iterations", kDefaultAdmmIterations);
    POT_CHECK_KIND(Config, iterations >= 1 && iterations <= 100000, p.path(),
                   "/iterations: must be in [1, 100000], got ", iterations);
    return static_cast<int>(iterations);
}

// Every name range_estimator.method (or .preset) accepts, lower case; matching ignores case so
// the calibration tools' spellings (KL, SYMKL, PERCENTILE9999, ...) work as written.
enum class EstimatorName { MeanMinMax, MinMax, Quantile, Percentile9999, Kl, SymKl, Jsd, Mse, Aciq, Admm };

const std::vector<std::pair<std::string, EstimatorName>> kEstimatorNames = {
    {"default", EstimatorName::MeanMinMax}, {"mean_min_max", EstimatorName::MeanMinMax},
    {"min_max", EstimatorName::MinMax},     {"max", EstimatorName::MinMax},
    {"quantile", EstimatorName::Quantile},  {"percentile9999", EstimatorName::Percentile9999},
    {"kl", EstimatorName::Kl},              {"symkl", EstimatorName::SymKl},
    {"jsd", EstimatorName::Jsd},            {"mse", EstimatorName::Mse},
    {"aciq", EstimatorName::Aciq},          {"admm", EstimatorName::Admm}};

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::optional<EstimatorName> estimator_name(const Params& p, const std::string& key) {
    if (!p.has(key)) return std::nullopt;
    const auto text = p.get_string(key, "");
    std::vector<std::string> names;
    for (const auto& [name, value] : kEstimatorNames) {
        if (name == lower(text)) return value;
        names.push_back(name);
    }
    POT_THROW(Config, p.path(), "/", key, ": unknown range estimator '", text, "'",
              did_you_mean(lower(text), names), "; valid values (any case): ", str_cat_list(names));
}

WeightRangeMethod weight_range_method(const Params& p) {
    const auto text = lower(p.get_string("method", "max_abs"));
    if (text == "admm") return WeightRangeMethod::Admm;
    POT_CHECK_KIND(Config, text == "max_abs" || text == "abs_max" || text == "max", p.path(),
                   "/method: unknown weight range method '", p.get_string("method", ""),
                   "'; valid values (any case): max_abs, admm");
    return WeightRangeMethod::MaxAbs;
}

RangeMethod histogram_method(EstimatorName name) {
    switch (name) {
        case EstimatorName::Kl: return RangeMethod::Kl;
        case EstimatorName::SymKl: return RangeMethod::SymKl;
        case EstimatorName::Jsd: return RangeMethod::Jsd;
        case EstimatorName::Mse: return RangeMethod::Mse;
        case EstimatorName::Aciq: return RangeMethod::Aciq;
        case EstimatorName::Admm: return RangeMethod::Admm;
        default: return RangeMethod::Statistics;
    }
}

// Options of the histogram methods: th_binnum for all, distribution for ACIQ, iterations for ADMM.
void parse_histogram_options(const Params& p, RangeEstimator& r) {
    r.histogram_bins = p.get_int("th_binnum", kDefaultHistogramBins);
    const bool power_of_two = (r.histogram_bins & (r.histogram_bins - 1)) == 0;
    POT_CHECK_KIND(Config, r.histogram_bins >= 512 && r.histogram_bins <= 4096 && power_of_two,
                   p.path(), "/th_binnum: must be a power of two in [512, 4096], got ",
                   r.histogram_bins);
    if (r.method == RangeMethod::Aciq)
        r.aciq_prior = p.get_enum<AciqPrior>("distribution", AciqPrior::Laplace,
                                             {{"laplace", AciqPrior::Laplace}, {"gauss", AciqPrior::Gauss}});
    if (r.method == RangeMethod::Admm) r.admm_iterations = parse_iterations(p);
}

RangeEstimator parse_range(const Params& p) {
    RangeEstimator r;
    const auto method = estimator_name(p, "method");
    const auto preset = estimator_name(p, "preset");
    POT_CHECK_KIND(Config, !method || !preset || *method == *preset, p.path(),
                   ": 'method' and 'preset' name different estimators; give one of them");
    const auto name = method ? *method : preset.value_or(EstimatorName::MeanMinMax);
    if (name == EstimatorName::Quantile || name == EstimatorName::Percentile9999) {
        r.low = ReducerKind::MeanQuantileLow;
        r.high = ReducerKind::MeanQuantileHigh;
    }
    if (name == EstimatorName::MinMax) {
        r.low = ReducerKind::Min;
        r.high = ReducerKind::Max;
    }
    r.method = histogram_method(name);
    if (r.needs_histogram()) {
        POT_CHECK_KIND(Config, !p.has("min") && !p.has("max"), p.path(), ": 'min'/'max' reducers "
                       "belong to the statistics estimators; a histogram method sets the range itself");
        parse_histogram_options(p, r);
        p.reject_unknown();
        return r;
    }
    if (name == EstimatorName::Quantile) r.outlier_prob = p.get_double("outlier_prob", r.outlier_prob);
    if (p.has("min")) {
        const Params min = p.child("min");
        r.low = low_reducer(min);
        r.outlier_prob = min.get_double("outlier_prob", r.outlier_prob);
        min.reject_unknown();
    }
    if (p.has("max")) {
        const Params max = p.child("max");
        r.high = high_reducer(max);
        r.outlier_prob = max.get_double("outlier_prob", r.outlier_prob);
        max.reject_unknown();
    }
    POT_CHECK_KIND(Config, r.outlier_prob >= 0 && r.outlier_prob < 0.5, p.path(),
                   ": outlier_prob must be in [0, 0.5), got ", r.outlier_prob);
    p.reject_unknown();
    return r;
}

int parse_bits(const Params& p) {
    const auto bits = p.get_int("bits", 8);
    POT_CHECK_KIND(Config, bits >= 2 && bits <= 8, p.path(), "/bits: must be in [2, 8], got ", bits);
    return static_cast<int>(bits);
}

}  // namespace

MinMaxSettings parse_settings(const Params& params) {
    MinMaxSettings s;
    s.preset = params.get_enum<Preset>("preset", Preset::Performance,
                                       {{"performance", Preset::Performance},
                                        {"mixed", Preset::Mixed},
                                        {"accuracy", Preset::Accuracy}});
    s.activations.symmetric = s.preset == Preset::Performance;
    s.sampling = parse_sampling(params);
    params.get_string("target_device", "");  // POT repeats it here; the compression section decides
    if (params.has("hardware_config")) s.hardware_config = params.get_string("hardware_config", "");
    if (params.has("unify_scales")) s.unify_scales = params.get_bool("unify_scales", true);

    const Params act = params.child("activations");
    s.activations.bits = parse_bits(act);
    if (act.has("mode"))
        s.activations.symmetric = act.get_enum<bool>("mode", true, {{"symmetric", true}, {"asymmetric", false}});
    act.get_enum<std::string>("granularity", "pertensor", {{"pertensor", "pertensor"}});
    s.activations.range = parse_range(act.child("range_estimator"));
    act.reject_unknown();

    const Params w = params.child("weights");
    s.weights.bits = parse_bits(w);
    w.get_enum<std::string>("mode", "symmetric", {{"symmetric", "symmetric"}});
    if (w.has("granularity"))
        s.weights.per_channel = w.get_enum<bool>("granularity", true, {{"perchannel", true}, {"pertensor", false}});
    if (w.has("range_estimator")) {
        const Params r = w.child("range_estimator");
        s.weights.range_method = weight_range_method(r);
        if (s.weights.range_method == WeightRangeMethod::Admm) s.weights.admm_iterations = parse_iterations(r);
        const Params max = r.child("max");
        max.get_enum<std::string>("type", "abs_max", {{"abs_max", "abs_max"}});
        max.reject_unknown();
        r.reject_unknown();
    }
    w.reject_unknown();

    s.ignored = common::IgnoredScope(params.child("ignored"));
    params.reject_unknown();
    return s;
}

}  // namespace pot::min_max
