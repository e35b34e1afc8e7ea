#include "op_choice.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>
#include <vector>

#include "pot/error.hpp"
#include "pot/optimizer.hpp"

namespace pot::min_max {

namespace {

const std::vector<std::pair<std::string, ReducerKind>> kLowNames = {
    {"mean_min", ReducerKind::MeanMin},
    {"min", ReducerKind::Min},
    {"mean_quantile", ReducerKind::MeanQuantileLow}};
const std::vector<std::pair<std::string, ReducerKind>> kHighNames = {
    {"mean_max", ReducerKind::MeanMax},
    {"max", ReducerKind::Max},
    {"mean_quantile", ReducerKind::MeanQuantileHigh}};
const std::vector<std::pair<std::string, RangeMethod>> kHistogramNames = {
    {"kl", RangeMethod::Kl},   {"symkl", RangeMethod::SymKl}, {"jsd", RangeMethod::Jsd},
    {"mse", RangeMethod::Mse}, {"aciq", RangeMethod::Aciq},   {"admm", RangeMethod::Admm}};
constexpr const char* kAbsMaxName = "abs_max";

template <typename T>
std::string name_of(const std::vector<std::pair<std::string, T>>& names, T value) {
    for (const auto& [name, v] : names)
        if (v == value) return name;
    return "?";
}

template <typename T>
std::optional<T> value_of(const std::vector<std::pair<std::string, T>>& names,
                          const std::string& name) {
    for (const auto& [n, v] : names)
        if (n == name) return v;
    return std::nullopt;
}

// The shortest decimal text that reads back as the same double, so choices stay short and exact.
std::string format_probability(double p) {
    char text[32];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, p);
        if (std::strtod(text, nullptr) == p) break;
    }
    return text;
}

std::optional<double> parse_probability(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double p = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !(p > 0.0 && p < 0.5)) return std::nullopt;
    return p;
}

// A bound as "<statistic>:<aggregator>" for the per-sample kinds, whose aggregator is a setting.
std::string bound_name(const std::vector<std::pair<std::string, ReducerKind>>& names, ReducerKind kind,
                       Aggregator aggregator) {
    if (!is_per_sample(kind)) return name_of(names, kind);
    return str_cat(reducer_name(kind), ":", name_of(aggregator_names(), aggregator));
}

// Estimators a tuning run reaches only as configured: per-sample aggregators. (Clipping values
// are not part of a choice: every choice keeps the configured ones.)
bool configured_only(const RangeEstimator& r) { return is_per_sample(r.low) || is_per_sample(r.high); }

std::string format_estimator(const RangeEstimator& r) {
    if (r.needs_histogram()) return name_of(kHistogramNames, r.method);
    std::string text;
    if (configured_only(r)) {
        text = str_cat(bound_name(kLowNames, r.low, r.low_aggregator), "/",
                       bound_name(kHighNames, r.high, r.high_aggregator));
    } else if (r.high == ReducerKind::AbsMax) {
        text = kAbsMaxName;
    } else if (r.low == ReducerKind::MeanQuantileLow && r.high == ReducerKind::MeanQuantileHigh) {
        text = "mean_quantile";
    } else {
        text = str_cat(name_of(kLowNames, r.low), "/", name_of(kHighNames, r.high));
    }
    if (uses_quantile(r)) text += str_cat("@", format_probability(r.outlier_prob));
    return text;
}

std::optional<RangeEstimator> parse_estimator(const std::string& text,
                                              const RangeEstimator& configured) {
    if (const auto method = value_of(kHistogramNames, text))
        return *method == configured.method ? std::optional<RangeEstimator>(configured)
                                            : std::nullopt;
    if (configured_only(configured) && text == format_estimator(configured)) return configured;
    const auto at = text.find('@');
    const std::string reducers = text.substr(0, at);
    RangeEstimator r = configured;
    r.method = RangeMethod::Statistics;
    if (reducers == kAbsMaxName) {
        r.low = ReducerKind::Min;
        r.high = ReducerKind::AbsMax;
    } else if (reducers == "mean_quantile") {
        r.low = ReducerKind::MeanQuantileLow;
        r.high = ReducerKind::MeanQuantileHigh;
    } else {
        const auto slash = reducers.find('/');
        if (slash == std::string::npos) return std::nullopt;
        const auto low = value_of(kLowNames, reducers.substr(0, slash));
        const auto high = value_of(kHighNames, reducers.substr(slash + 1));
        if (!low || !high) return std::nullopt;
        r.low = *low;
        r.high = *high;
    }
    if (uses_quantile(r) != (at != std::string::npos)) return std::nullopt;
    if (at != std::string::npos) {
        const auto p = parse_probability(text.substr(at + 1));
        if (!p) return std::nullopt;
        r.outlier_prob = *p;
    }
    return r;
}

}  // namespace

bool uses_quantile(const RangeEstimator& range) {
    const auto quantile = [](ReducerKind k) {
        return k == ReducerKind::MeanQuantileLow || k == ReducerKind::MeanQuantileHigh ||
               k == ReducerKind::SampleQuantileLow || k == ReducerKind::SampleQuantileHigh ||
               k == ReducerKind::SampleAbsQuantile;
    };
    return !range.needs_histogram() && (quantile(range.low) || quantile(range.high));
}

OpChoice normalized(OpChoice choice, const OpTraits& traits, const OpChoice& configured) {
    if (choice.keep_float) {
        OpChoice kept = configured;
        kept.keep_float = true;
        return kept;
    }
    if (!traits.has_activations) {
        choice.activations_symmetric = configured.activations_symmetric;
        choice.range = configured.range;
    }
    if (!traits.has_weights || !traits.has_channel_axis)
        choice.weights_per_channel = configured.weights_per_channel;
    RangeEstimator& r = choice.range;
    // The range of abs_max is [-high, high] whatever the low reducer (range_estimation.cpp).
    if (!r.needs_histogram() && r.high == ReducerKind::AbsMax) r.low = ReducerKind::Min;
    if (!uses_quantile(r)) r.outlier_prob = configured.range.outlier_prob;
    return choice;
}

std::string format_choice(const OpChoice& choice, const OpTraits& traits) {
    if (choice.keep_float) return kFloatChoice;
    std::vector<std::string> parts;
    if (traits.has_activations) parts.push_back(choice.activations_symmetric ? "a:sym" : "a:asym");
    if (traits.has_weights)
        parts.push_back(choice.weights_per_channel ? "w:perchannel" : "w:pertensor");
    if (traits.has_activations) parts.push_back(str_cat("r:", format_estimator(choice.range)));
    std::string text;
    for (const auto& part : parts) {
        if (!text.empty()) text += ' ';
        text += part;
    }
    return text;
}

std::optional<OpChoice> parse_choice(const std::string& text, const OpTraits& traits,
                                     const OpChoice& configured) {
    if (text == kFloatChoice) {
        OpChoice kept;
        kept.keep_float = true;
        return normalized(kept, traits, configured);
    }
    std::vector<std::string> parts;
    std::istringstream words(text);
    for (std::string word; words >> word;) parts.push_back(word);
    std::vector<std::string> expected;
    if (traits.has_activations) expected.push_back("a:");
    if (traits.has_weights) expected.push_back("w:");
    if (traits.has_activations) expected.push_back("r:");
    if (parts.size() != expected.size()) return std::nullopt;

    OpChoice choice = configured;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].rfind(expected[i], 0) != 0) return std::nullopt;
        const std::string value = parts[i].substr(2);
        if (expected[i] == "a:") {
            if (value != "sym" && value != "asym") return std::nullopt;
            choice.activations_symmetric = value == "sym";
        } else if (expected[i] == "w:") {
            if (value != "perchannel" && value != "pertensor") return std::nullopt;
            if (value == "perchannel" && !traits.has_channel_axis) return std::nullopt;
            choice.weights_per_channel = value == "perchannel";
        } else {
            const auto range = parse_estimator(value, configured.range);
            if (!range) return std::nullopt;
            choice.range = *range;
        }
    }
    return normalized(choice, traits, configured);
}

}  // namespace pot::min_max
