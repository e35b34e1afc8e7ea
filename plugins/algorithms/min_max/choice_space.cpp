#include "choice_space.hpp"

#include <algorithm>
#include <utility>

#include "pot/text.hpp"

namespace pot::min_max {

namespace {

const std::vector<std::string> kTuningKeys = {"bits", "mode", "granularity", "range_estimator",
                                              "layer"};
const std::vector<std::string> kEstimatorKeys = {"preset", "aggregator", "type", "outlier_prob"};
const std::vector<double> kDefaultOutlierProbs = {1e-3, 1e-4, 1e-5};

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::set<std::string> parse_keys(const Params& params, const std::string& key,
                                 const std::vector<std::string>& valid,
                                 const std::set<std::string>& fallback) {
    if (!params.has(key)) return fallback;
    const auto names = params.get_strings(key);
    for (size_t i = 0; i < names.size(); ++i)
        POT_CHECK_KIND(Config, std::find(valid.begin(), valid.end(), names[i]) != valid.end(),
                       params.path(), "/", key, "/", i, ": unknown entry '", names[i], "'",
                       did_you_mean(names[i], valid), "; valid entries: ", joined(valid));
    return {names.begin(), names.end()};
}

std::vector<double> parse_outlier_probs(const Params& params) {
    const std::string key = "outlier_prob_choices";
    if (!params.has(key)) return kDefaultOutlierProbs;
    const nlohmann::json& list = params.json().at(key);
    const std::string where = params.path() + "/" + key;
    POT_CHECK_KIND(Config, list.is_array() && !list.empty(), where,
                   ": expected a non-empty list of probabilities in (0, 0.5), got ", list.dump());
    std::vector<double> probs;
    for (size_t i = 0; i < list.size(); ++i) {
        const bool valid =
            list[i].is_number() && list[i].get<double>() > 0.0 && list[i].get<double>() < 0.5;
        POT_CHECK_KIND(Config, valid, where, "/", i, ": expected a probability in (0, 0.5), got ",
                       list[i].dump());
        if (std::find(probs.begin(), probs.end(), list[i].get<double>()) == probs.end())
            probs.push_back(list[i].get<double>());
    }
    return probs;
}

// The parts of an estimator estimator_tuning_scope names: the reducer type of each end, how each
// end's per-sample values are combined ("mean" over samples, or "all": min/max over all samples),
// and the outlier probability.
struct EstimatorKeys {
    std::pair<std::string, std::string> type;
    std::pair<std::string, std::string> aggregator;
    double outlier_prob = 0.0;
};

std::pair<std::string, std::string> low_keys(ReducerKind low) {
    switch (low) {
        case ReducerKind::MeanMin: return {"min", "mean"};
        case ReducerKind::Min: return {"min", "all"};
        case ReducerKind::MeanQuantileLow: return {"quantile", "mean"};
        default: return {reducer_name(low), ""};
    }
}

std::pair<std::string, std::string> high_keys(ReducerKind high) {
    switch (high) {
        case ReducerKind::MeanMax: return {"max", "mean"};
        case ReducerKind::Max: return {"max", "all"};
        case ReducerKind::MeanQuantileHigh: return {"quantile", "mean"};
        default: return {reducer_name(high), ""};
    }
}

EstimatorKeys keys_of(const RangeEstimator& r) {
    if (r.needs_histogram()) return {{"histogram", "histogram"}, {"", ""}, r.outlier_prob};
    if (r.high == ReducerKind::AbsMax)
        return {{"abs_max", "abs_max"}, {"all", "all"}, r.outlier_prob};
    const auto [low_type, low_aggregator] = low_keys(r.low);
    const auto [high_type, high_aggregator] = high_keys(r.high);
    return {{low_type, high_type}, {low_aggregator, high_aggregator}, r.outlier_prob};
}

bool same_outside(const RangeEstimator& a, const RangeEstimator& b,
                  const std::set<std::string>& scope) {
    const auto ka = keys_of(a), kb = keys_of(b);
    return (scope.count("type") || ka.type == kb.type) &&
           (scope.count("aggregator") || ka.aggregator == kb.aggregator) &&
           (scope.count("outlier_prob") || ka.outlier_prob == kb.outlier_prob);
}

RangeEstimator statistics_estimator(const OpChoice& configured, ReducerKind low, ReducerKind high,
                                    double outlier_prob) {
    RangeEstimator r = configured.range;
    r.method = RangeMethod::Statistics;
    r.low = low;
    r.high = high;
    r.outlier_prob = outlier_prob;
    return r;
}

// Every estimator a range_estimator choice may use. The SDK's reducers take quantiles and
// per-sample values only with the mean over samples and |x| only over all samples, so
// min/quantile and max/quantile aggregated over all samples, abs_max averaged over samples and
// quantiles of |x| (POT's abs_quantile) have no reducer and are not offered.
std::vector<RangeEstimator> estimator_candidates(const OpChoice& configured,
                                                 const TuningScope& scope) {
    std::vector<double> probs = {configured.range.outlier_prob};
    for (double p : scope.outlier_probs)
        if (std::find(probs.begin(), probs.end(), p) == probs.end()) probs.push_back(p);
    std::vector<RangeEstimator> out;
    for (ReducerKind low : {ReducerKind::MeanMin, ReducerKind::Min, ReducerKind::MeanQuantileLow})
        for (ReducerKind high :
             {ReducerKind::MeanMax, ReducerKind::Max, ReducerKind::MeanQuantileHigh}) {
            const auto r =
                statistics_estimator(configured, low, high, configured.range.outlier_prob);
            if (!uses_quantile(r)) {
                out.push_back(r);
                continue;
            }
            for (double p : probs) out.push_back(statistics_estimator(configured, low, high, p));
        }
    out.push_back(statistics_estimator(configured, ReducerKind::Min, ReducerKind::AbsMax,
                                       configured.range.outlier_prob));
    return out;
}

// POT's rule for estimators: `candidate` differs from `base` only in keys of
// estimator_tuning_scope; with "preset" in it, also a candidate that differs that way from one
// of the presets (default: mean_min/mean_max; quantile at the base's outlier probability).
bool offers_estimator(const RangeEstimator& candidate, const RangeEstimator& base,
                      const OpChoice& configured, const TuningScope& scope) {
    if (same_outside(candidate, base, scope.estimator_keys)) return true;
    if (!scope.estimator_keys.count("preset")) return false;
    const RangeEstimator presets[] = {
        statistics_estimator(configured, ReducerKind::MeanMin, ReducerKind::MeanMax,
                             configured.range.outlier_prob),
        statistics_estimator(configured, ReducerKind::MeanQuantileLow,
                             ReducerKind::MeanQuantileHigh, base.outlier_prob)};
    return std::any_of(std::begin(presets), std::end(presets), [&](const RangeEstimator& p) {
        return same_outside(candidate, p, scope.estimator_keys);
    });
}

bool offers(const OpChoice& candidate, const OpChoice& base, const OpChoice& configured,
            const TuningScope& scope) {
    if (candidate.activations_symmetric != base.activations_symmetric && !scope.has("mode"))
        return false;
    if (candidate.weights_per_channel != base.weights_per_channel && !scope.has("granularity"))
        return false;
    if (candidate.range == base.range) return true;
    return scope.has("range_estimator") &&
           offers_estimator(candidate.range, base.range, configured, scope);
}

void add_new(std::vector<OpChoice>& choices, const OpChoice& choice) {
    if (std::find(choices.begin(), choices.end(), choice) == choices.end())
        choices.push_back(choice);
}

}  // namespace

TuningScope parse_tuning_scope(const Params& params) {
    TuningScope scope;
    scope.keys = parse_keys(params, "tuning_scope", kTuningKeys, {});
    scope.estimator_keys = parse_keys(params, "estimator_tuning_scope", kEstimatorKeys,
                                      {kEstimatorKeys.begin(), kEstimatorKeys.end()});
    scope.outlier_probs = parse_outlier_probs(params);
    return scope;
}

std::vector<OpChoice> op_choices(const OpChoice& base, const OpChoice& configured,
                                 const OpTraits& traits, const TuningScope& scope) {
    OpChoice kept_float = configured;
    kept_float.keep_float = true;
    kept_float = normalized(kept_float, traits, configured);
    if (base.keep_float) {
        std::vector<OpChoice> choices = {kept_float};
        for (const auto& c : op_choices(configured, configured, traits, scope)) add_new(choices, c);
        return choices;
    }
    const std::vector<bool> modes = traits.has_activations
                                        ? std::vector<bool>{true, false}
                                        : std::vector<bool>{base.activations_symmetric};
    const std::vector<bool> granularities = traits.has_weights && traits.has_channel_axis
                                                ? std::vector<bool>{true, false}
                                                : std::vector<bool>{base.weights_per_channel};
    const std::vector<RangeEstimator> estimators =
        traits.has_activations && scope.has("range_estimator")
            ? estimator_candidates(configured, scope)
            : std::vector<RangeEstimator>{base.range};
    std::vector<OpChoice> choices = {base};
    for (bool symmetric : modes)
        for (bool per_channel : granularities)
            for (const auto& range : estimators) {
                OpChoice c;
                c.activations_symmetric = symmetric;
                c.weights_per_channel = per_channel;
                c.range = range;
                c = normalized(c, traits, configured);
                if (offers(c, base, configured, scope)) add_new(choices, c);
            }
    if (scope.has("layer")) add_new(choices, kept_float);
    return choices;
}

std::vector<OpChoice> reachable_choices(const OpChoice& configured, const OpTraits& traits,
                                        const TuningScope& scope) {
    std::vector<OpChoice> reached = {configured};
    for (size_t i = 0; i < reached.size(); ++i)
        for (const auto& c : op_choices(reached[i], configured, traits, scope)) add_new(reached, c);
    return reached;
}

}  // namespace pot::min_max
