#include "settings.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace pot::accuracy_aware {

namespace {
// AccuracyAwareQuantization's own keys; every other key is the base algorithm's (as in POT, where
// one params object configures both).
const std::vector<std::string> kOwnKeys = {
    "maximal_drop",       "drop_type",           "base_algorithm",
    "metric_subset_ratio", "ranking_subset_size", "max_iter_num",
    "use_prev_if_drop_increase", "convert_to_mixed_preset", "tune_hyperparams",
    "annotation_free",    "annotation_conf_threshold", "ranking_method",
    "max_minutes",        "metric_subset_seed",  "metrics"};
}  // namespace

Settings read_settings(const Params& params) {
    Settings s;
    s.path = params.path();
    s.maximal_drop = params.get_double("maximal_drop", s.maximal_drop);
    POT_CHECK_KIND(Config, s.maximal_drop >= 0, params.path(), "/maximal_drop: must be 0 or more, got ",
                   s.maximal_drop);
    s.drop_type = params.get_enum<DropType>("drop_type", DropType::Absolute,
                                            {{"absolute", DropType::Absolute}, {"relative", DropType::Relative}});
    s.metric_subset_ratio = params.get_double("metric_subset_ratio", s.metric_subset_ratio);
    POT_CHECK_KIND(Config, s.metric_subset_ratio > 0 && s.metric_subset_ratio <= 1, params.path(),
                   "/metric_subset_ratio: must be in (0, 1], got ", s.metric_subset_ratio);
    s.ranking_subset_size = params.get_int("ranking_subset_size", s.ranking_subset_size);
    POT_CHECK_KIND(Config, s.ranking_subset_size >= 1, params.path(), "/ranking_subset_size: must be 1 or more, got ",
                   s.ranking_subset_size);
    s.max_iter_num = params.get_int("max_iter_num", s.max_iter_num);
    POT_CHECK_KIND(Config, s.max_iter_num >= 0, params.path(), "/max_iter_num: must be 0 or more, got ",
                   s.max_iter_num);
    s.use_prev_if_drop_increase = params.get_bool("use_prev_if_drop_increase", s.use_prev_if_drop_increase);
    s.ranking = params.get_enum<RankingMethod>("ranking_method", RankingMethod::Metric,
                                               {{"metric", RankingMethod::Metric},
                                                {"output_error", RankingMethod::OutputError}});
    s.max_minutes = params.get_double("max_minutes", 0);
    POT_CHECK_KIND(Config, s.max_minutes >= 0, params.path(), "/max_minutes: must be 0 (no limit) or more, got ",
                   s.max_minutes);
    s.seed = static_cast<uint64_t>(params.get_int("metric_subset_seed", 0));
    s.tune_hyperparams = params.get_bool("tune_hyperparams", false);
    s.annotation_free = params.get_bool("annotation_free", false);
    s.annotation_conf_threshold = params.get_double("annotation_conf_threshold", s.annotation_conf_threshold);
    POT_CHECK_KIND(Config, s.annotation_conf_threshold >= 0 && s.annotation_conf_threshold < 1, params.path(),
                   "/annotation_conf_threshold: must be in [0, 1), got ", s.annotation_conf_threshold);

    // POT's list of the metrics to keep within budget, with their float values: the job scores one
    // metric (engine.metrics[0]), so one entry is taken.
    if (params.has("metrics")) {
        const auto& metrics = params.json().at("metrics");
        POT_CHECK_KIND(Config, metrics.is_array() && metrics.size() == 1, params.path(),
                       "/metrics: a list of one metric ({\"name\": ..., \"baseline_value\": ...}) is needed: the job "
                       "scores with one metric, engine.metrics[0]");
        const auto& m = metrics[0];
        POT_CHECK_KIND(Config, m.is_object() && m.contains("name") && m["name"].is_string(), params.path(),
                       "/metrics/0: an object with a \"name\" is needed");
        for (const auto& item : m.items())
            POT_CHECK_KIND(Config, item.key() == "name" || item.key() == "baseline_value", params.path(),
                           "/metrics/0/", item.key(), ": unknown key; known: name, baseline_value");
        if (m.contains("baseline_value")) {
            POT_CHECK_KIND(Config, m["baseline_value"].is_number(), params.path(),
                           "/metrics/0/baseline_value: a number is needed");
            s.baseline = m["baseline_value"].get<double>();
        }
    }

    const std::string base_name = params.get_string("base_algorithm", "DefaultQuantization");
    POT_CHECK_KIND(Config, !base_name.empty() && base_name != kAlgorithmName, params.path(),
                   "/base_algorithm: must name a quantizing algorithm, got '", base_name, "'");
    nlohmann::json base = nlohmann::json::object();
    for (const auto& item : params.json().items())
        if (std::find(kOwnKeys.begin(), kOwnKeys.end(), item.key()) == kOwnKeys.end()) base[item.key()] = item.value();
    // The base algorithm checks its own keys; a preset that is not a string is its error to report.
    const bool performance = !base.contains("preset") || base["preset"] == "performance";
    s.convert_to_mixed_preset = params.get_bool("convert_to_mixed_preset", false) && performance;
    s.base = {base_name, base.dump()};
    nlohmann::json mixed = base;
    mixed["preset"] = "mixed";
    s.mixed = {base_name, mixed.dump()};
    params.reject_unknown([&] {
        std::vector<std::string> passed;
        for (const auto& item : base.items()) passed.push_back(item.key());
        return passed;
    }());
    return s;
}

}  // namespace pot::accuracy_aware
