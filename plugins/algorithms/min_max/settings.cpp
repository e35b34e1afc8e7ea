#include "settings.hpp"

#include <algorithm>
#include <cctype>

namespace pot::min_max {

namespace {

// One bound of a statistics range estimator: POT's {type, aggregator, outlier_prob,
// clipping_value}. Per-sample types are min, max, abs_max, quantile and abs_quantile; the
// aggregator folds them over the samples. Pairs the SDK reduces natively (the mean of per-sample
// minima, the minimum over all samples, ...) keep their own kind; the rest collect every sample's
// value and aggregate here.
struct Bound {
    ReducerKind kind;
    Aggregator aggregator = Aggregator::Mean;
    std::optional<double> clip;
    std::optional<double> outlier_prob;
};

Bound parse_bound(const Params& p, bool is_low) {
    const std::string default_type = is_low ? "min" : "max";
    const auto type = p.get_enum<std::string>(
        "type", default_type,
        {{"min", "min"}, {"max", "max"}, {"abs_max", "abs_max"}, {"quantile", "quantile"}, {"abs_quantile", "abs_quantile"}});
    POT_CHECK_KIND(Config, type != (is_low ? "max" : "min"), p.path(), "/type: '", type, "' cannot bound the range ",
                   is_low ? "from below; use min, quantile, abs_max or abs_quantile (negated)"
                          : "from above; use max, quantile, abs_max or abs_quantile");
    // abs_max alone means the maximum of |x| over all samples, as POT's weights and presets use it.
    const auto aggregator = p.get_enum<Aggregator>(
        "aggregator", type == "abs_max" ? Aggregator::Max : Aggregator::Mean, aggregator_names());
    Bound b{ReducerKind::SampleMin, aggregator, std::nullopt, std::nullopt};
    if (p.has("clipping_value")) b.clip = p.get_double("clipping_value", 0.0);
    if (p.has("outlier_prob")) b.outlier_prob = p.get_double("outlier_prob", 1e-4);
    if (type == "min") {
        b.kind = aggregator == Aggregator::Mean ? ReducerKind::MeanMin
                 : aggregator == Aggregator::Min ? ReducerKind::Min : ReducerKind::SampleMin;
    } else if (type == "max") {
        b.kind = aggregator == Aggregator::Mean ? ReducerKind::MeanMax
                 : aggregator == Aggregator::Max ? ReducerKind::Max : ReducerKind::SampleMax;
    } else if (type == "abs_max") {
        b.kind = aggregator == Aggregator::Max && !is_low ? ReducerKind::AbsMax : ReducerKind::SampleAbsMax;
    } else if (type == "quantile") {
        const ReducerKind mean = is_low ? ReducerKind::MeanQuantileLow : ReducerKind::MeanQuantileHigh;
        const ReducerKind sample = is_low ? ReducerKind::SampleQuantileLow : ReducerKind::SampleQuantileHigh;
        b.kind = aggregator == Aggregator::Mean ? mean : sample;
    } else {
        b.kind = ReducerKind::SampleAbsQuantile;
    }
    return b;
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
    std::optional<double> low_prob, high_prob;
    if (p.has("min")) {
        const Params min = p.child("min");
        const Bound b = parse_bound(min, /*is_low=*/true);
        r.low = b.kind;
        r.low_aggregator = b.aggregator;
        r.low_clip = b.clip;
        low_prob = b.outlier_prob;
        min.reject_unknown();
    }
    if (p.has("max")) {
        const Params max = p.child("max");
        const Bound b = parse_bound(max, /*is_low=*/false);
        r.high = b.kind;
        r.high_aggregator = b.aggregator;
        r.high_clip = b.clip;
        high_prob = b.outlier_prob;
        max.reject_unknown();
    }
    // One outlier probability serves both bounds (a statistic request carries one).
    POT_CHECK_KIND(Config, !low_prob || !high_prob || *low_prob == *high_prob, p.path(),
                   ": min.outlier_prob ", low_prob.value_or(0), " and max.outlier_prob ", high_prob.value_or(0),
                   " differ; the two bounds share one outlier probability here");
    if (low_prob || high_prob) r.outlier_prob = low_prob ? *low_prob : *high_prob;
    POT_CHECK_KIND(Config, !r.low_clip || !r.high_clip || *r.low_clip <= *r.high_clip, p.path(),
                   ": min.clipping_value ", *r.low_clip, " is above max.clipping_value ", r.high_clip.value_or(0));
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

// One bound of an asymmetric weight range: POT's range_estimator min or max {type, outlier_prob,
// clipping_value}; `plain` is the type that takes the channel's extreme (min or max).
void parse_asymmetric_weight_bound(const Params& b, const char* plain, std::optional<double>& outlier_prob,
                                   std::optional<double>& clip) {
    const auto type = b.get_enum<std::string>("type", plain, {{plain, plain}, {"quantile", "quantile"}});
    if (type == "quantile") outlier_prob = b.get_double("outlier_prob", 1e-4);
    if (b.has("clipping_value")) clip = b.get_double("clipping_value", 0.0);
    b.get_string("aggregator", plain);  // one tensor per range: nothing to aggregate
    b.reject_unknown();
}

// The range of weights: POT's range_estimator max {type, outlier_prob, clipping_value} (and, for
// asymmetric weights, min alike) or preset, or this project's method (max_abs, admm).
void parse_weight_range(const Params& r, WeightSettings& w) {
    w.range_method = weight_range_method(r);
    if (w.range_method == WeightRangeMethod::Admm) w.admm_iterations = parse_iterations(r);
    const auto preset = r.get_enum<std::string>("preset", "default", {{"default", "default"}, {"quantile", "quantile"}});
    if (preset == "quantile") w.quantile_outlier_prob = 1e-4;
    if (!w.symmetric) {
        POT_CHECK_KIND(Config, w.range_method == WeightRangeMethod::MaxAbs, r.path(),
                       ": method admm chooses a symmetric threshold; asymmetric weights take [min, max] or quantiles");
        if (preset == "quantile") w.low_quantile_outlier_prob = 1e-4;
        if (r.has("min")) parse_asymmetric_weight_bound(r.child("min"), "min", w.low_quantile_outlier_prob, w.low_clip);
        if (r.has("max")) parse_asymmetric_weight_bound(r.child("max"), "max", w.quantile_outlier_prob, w.high_clip);
        for (const auto& prob : {w.low_quantile_outlier_prob, w.quantile_outlier_prob})
            POT_CHECK_KIND(Config, !prob || (*prob >= 0 && *prob < 0.5), r.path(),
                           ": outlier_prob must be in [0, 0.5), got ", prob.value_or(0));
        POT_CHECK_KIND(Config, !w.low_clip || !w.high_clip || *w.low_clip < *w.high_clip, r.path(),
                       ": min.clipping_value ", w.low_clip.value_or(0), " is not below max.clipping_value ",
                       w.high_clip.value_or(0));
        r.reject_unknown();
        return;
    }
    POT_CHECK_KIND(Config, !r.has("min"), r.path(), "/min: symmetric weights take their range from "
                   "max alone ([-t, t] with t from max); give weights mode \"asymmetric\" for a range of its own");
    if (r.has("max")) {
        const Params max = r.child("max");
        const auto type = max.get_enum<std::string>(
            "type", "abs_max", {{"abs_max", "abs_max"}, {"max", "max"}, {"quantile", "quantile"}, {"abs_quantile", "abs_quantile"}});
        if (type == "quantile" || type == "abs_quantile")
            w.quantile_outlier_prob = max.get_double("outlier_prob", w.quantile_outlier_prob.value_or(1e-4));
        if (max.has("clipping_value")) w.high_clip = max.get_double("clipping_value", 0.0);
        POT_CHECK_KIND(Config, !w.high_clip || *w.high_clip > 0, max.path(),
                       "/clipping_value: a symmetric weight range needs a positive bound, got ", w.high_clip.value_or(0));
        max.get_enum<std::string>("aggregator", "max", {{"max", "max"}});  // one tensor: nothing to aggregate
        max.reject_unknown();
    }
    if (w.quantile_outlier_prob) {
        POT_CHECK_KIND(Config, *w.quantile_outlier_prob >= 0 && *w.quantile_outlier_prob < 0.5, r.path(),
                       ": outlier_prob must be in [0, 0.5), got ", *w.quantile_outlier_prob);
        POT_CHECK_KIND(Config, w.range_method == WeightRangeMethod::MaxAbs, r.path(),
                       ": a quantile weight range and method admm exclude each other; give one");
    }
    r.reject_unknown();
}

WeightSettings parse_weights(const Params& w) {
    WeightSettings s;
    s.bits = parse_bits(w);
    s.symmetric = w.get_enum<bool>("mode", true, {{"symmetric", true}, {"asymmetric", false}});
    if (s.symmetric) {
        // POT's levels for symmetric weights: [-(2^(bits-1) - 1), 2^(bits-1) - 1], the grid used here.
        const int64_t q = (int64_t{1} << (s.bits - 1)) - 1;
        const auto level_low = w.get_int("level_low", -q);
        const auto level_high = w.get_int("level_high", q);
        POT_CHECK_KIND(Config, level_low == -q && level_high == q, w.path(), "/level_low, level_high: ",
                       s.bits, "-bit symmetric weights use the codes [", -q, ", ", q, "]; got [", level_low, ", ",
                       level_high, "] (other grids would need zero points or uneven ranges: give weights mode "
                       "\"asymmetric\")");
    } else {
        // Asymmetric weights use every code of the type, with a zero point.
        const int64_t levels = int64_t{1} << s.bits;
        const auto low = w.get_int("level_low", 0), high = w.get_int("level_high", levels - 1);
        POT_CHECK_KIND(Config, high - low + 1 == levels && (low == 0 || low == -levels / 2), w.path(),
                       "/level_low, level_high: ", s.bits, "-bit asymmetric weights use ", levels, " codes ([0, ",
                       levels - 1, "] or [", -levels / 2, ", ", levels / 2 - 1, "]); got [", low, ", ", high, "]");
    }
    if (w.has("granularity"))
        s.per_channel = w.get_enum<bool>("granularity", true, {{"perchannel", true}, {"pertensor", false}});
    if (w.has("range_estimator")) parse_weight_range(w.child("range_estimator"), s);
    return s;
}

// activations.op_types: {"<ONNX op type>": {"mode": ..., "range_estimator": {...}}, ...}.
std::map<std::string, OpTypeActivationSettings> parse_op_types(const Params& p) {
    std::map<std::string, OpTypeActivationSettings> out;
    for (const auto& [op_type, value] : p.json().items()) {
        const bool looks_like_op = !op_type.empty() && std::isupper(static_cast<unsigned char>(op_type[0])) &&
                                   std::all_of(op_type.begin(), op_type.end(), [](char c) {
                                       return std::isalnum(static_cast<unsigned char>(c)) != 0;
                                   });
        POT_CHECK_KIND(Config, looks_like_op, p.path(), "/", op_type, ": not an ONNX op type (expected a name "
                       "such as MatMul, Conv or Gemm)");
        const Params entry = p.child(op_type);  // a Config error when it is not an object
        OpTypeActivationSettings settings;
        if (entry.has("mode"))
            settings.symmetric = entry.get_enum<bool>("mode", true, {{"symmetric", true}, {"asymmetric", false}});
        if (entry.has("range_estimator")) settings.range = parse_range(entry.child("range_estimator"));
        entry.reject_unknown();
        POT_CHECK_KIND(Config, settings.symmetric || settings.range, entry.path(),
                       ": sets nothing; give \"mode\" and/or \"range_estimator\"");
        out.emplace(op_type, std::move(settings));
    }
    return out;
}

}  // namespace

std::vector<std::string> float_ops_for_model_type(const std::string& model_type, const std::string& where) {
    if (model_type.empty() || model_type == "None") return {};  // POT's spec files write "None"
    // POT's list for transformers is Add, Power, Squeeze, Multiply, Subtract, ReduceMean and
    // SquaredDifference (no ONNX op; exporters write it as Sub then Pow or Mul).
    POT_CHECK_KIND(Config, model_type == "transformer", where, ": unknown model type '", model_type,
                   "'; POT knows \"transformer\" (or leave it out)");
    return {"Add", "Pow", "Squeeze", "Mul", "Sub", "ReduceMean"};
}

namespace {

// layerwise: {"<node>": {"bits": 4, "weights": {"bits": ..., "range_estimator": {...}},
//                         "activations": {"bits": ..., "range_estimator": {...}}}, ...}.
std::map<std::string, LayerSettings> parse_layerwise(const Params& p, const MinMaxSettings& s) {
    std::map<std::string, LayerSettings> out;
    POT_CHECK_KIND(Config, p.json().is_object(), p.path(), ": expected an object of node names, got ", p.json().dump());
    for (const auto& [node, value] : p.json().items()) {
        const Params entry(value, p.path() + "/" + node);
        POT_CHECK_KIND(Config, value.is_object(), entry.path(), ": expected an object, got ", value.dump());
        LayerSettings layer;
        layer.weights = s.weights;
        layer.activation_bits = s.activations.bits;
        if (entry.has("bits")) {
            layer.weights.bits = layer.activation_bits = parse_bits(entry);
        }
        const Params w = entry.child("weights");
        if (w.has("bits")) layer.weights.bits = parse_bits(w);
        if (w.has("range_estimator")) {
            // The op's own estimator replaces the global one whole: it starts from the defaults.
            WeightSettings own;
            own.bits = layer.weights.bits;
            own.per_channel = layer.weights.per_channel;
            own.symmetric = layer.weights.symmetric;
            parse_weight_range(w.child("range_estimator"), own);
            layer.weights = own;
        }
        w.reject_unknown();
        const Params a = entry.child("activations");
        if (a.has("bits")) layer.activation_bits = parse_bits(a);
        if (a.has("range_estimator")) layer.activation_range = parse_range(a.child("range_estimator"));
        a.reject_unknown();
        entry.reject_unknown();
        out.emplace(node, std::move(layer));
    }
    return out;
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
    if (params.has("model_type") && params.json().at("model_type").is_null())
        params.accept("model_type");
    else
        s.model_type_float_ops = float_ops_for_model_type(params.get_string("model_type", ""), params.path() + "/model_type");

    const Params act = params.child("activations");
    s.activations.bits = parse_bits(act);
    if (act.has("mode"))
        s.activations.symmetric = act.get_enum<bool>("mode", true, {{"symmetric", true}, {"asymmetric", false}});
    const auto granularity = act.get_enum<std::string>("granularity", "pertensor",
                                                       {{"pertensor", "pertensor"}, {"perchannel", "perchannel"}});
    POT_CHECK_KIND(Config, granularity == "pertensor", act.path(), "/granularity: per-channel activation "
                   "ranges are not supported: the INT8 kernels (oneDNN here, QLinearConv in ONNX Runtime) take "
                   "one scale per input tensor; use \"pertensor\"");
    if (act.has("level_low") || act.has("level_high")) {
        // Activations use every code of the type: 2^bits levels (POT's default too).
        const int64_t levels = int64_t{1} << s.activations.bits;
        const auto low = act.get_int("level_low", 0), high = act.get_int("level_high", levels - 1);
        POT_CHECK_KIND(Config, high - low + 1 == levels && (low == 0 || low == -levels / 2), act.path(),
                       "/level_low, level_high: ", s.activations.bits, "-bit activations use ", levels,
                       " codes ([0, ", levels - 1, "] or [", -levels / 2, ", ", levels / 2 - 1, "]); got [", low,
                       ", ", high, "]");
    }
    // POT's params.range_estimator is the default of the activations' and the weights' own.
    const bool global_range = params.has("range_estimator");
    s.activations.range = parse_range(act.has("range_estimator") || !global_range ? act.child("range_estimator")
                                                                                 : params.child("range_estimator"));
    if (act.has("op_types")) s.activations.by_op_type = parse_op_types(act.child("op_types"));
    act.reject_unknown();

    const Params w = params.child("weights");
    s.weights = parse_weights(w);
    w.reject_unknown();
    if (global_range && !w.has("range_estimator")) {
        // What of it applies to weights: the preset and the max bound's type, outlier_prob and
        // clipping_value, and the min bound's too for asymmetric weights (aggregators have one
        // tensor to aggregate).
        const Params global = params.child("range_estimator");
        nlohmann::json own = nlohmann::json::object();
        if (global.has("preset")) own["preset"] = global.json().at("preset");
        for (const char* bound : {"min", "max"}) {
            if (!global.has(bound) || !global.json().at(bound).is_object() ||
                (s.weights.symmetric && std::string(bound) == "min"))
                continue;
            for (const char* key : {"type", "outlier_prob", "clipping_value"})
                if (global.json().at(bound).contains(key)) own[bound][key] = global.json().at(bound).at(key);
        }
        parse_weight_range(Params(own, global.path()), s.weights);
    }

    if (params.has("layerwise")) s.layerwise = parse_layerwise(params.child("layerwise"), s);
    s.ignored = common::IgnoredScope(params.child("ignored"));
    params.reject_unknown();
    return s;
}

}  // namespace pot::min_max
