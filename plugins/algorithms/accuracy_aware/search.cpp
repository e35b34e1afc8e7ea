#include "search.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

#include "annotation_free.hpp"
#include "layers.hpp"
#include "tuning.hpp"
#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/result_services.hpp"
#include "pot/text.hpp"

namespace pot::accuracy_aware {

namespace {

std::string format(double v) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.4g", v);
    return text;
}

// The standard metrics whose values are in percent.
bool is_percent(const std::string& metric) {
    return metric.rfind("accuracy@", 0) == 0 || metric.rfind("agreement@", 0) == 0;
}

}  // namespace

Search::Search(const Settings& settings, HostServices& host, SearchServices& search, OnBetter on_better, Mode mode)
    : settings_(settings), mode_(mode), name_(mode == Mode::LowerBits ? kInt4AlgorithmName : kAlgorithmName),
      host_(host), search_(search), on_better_(std::move(on_better)) {}

double Search::drop_of(double value) const {
    return higher_is_better_ ? outcome_.float_value - value : value - outcome_.float_value;
}

bool Search::out_of_time() {
    if (search_.stop_requested()) {
        outcome_.stopped_by = "interrupted";
        return true;
    }
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 60.0;
    if (settings_.max_minutes > 0 && minutes >= settings_.max_minutes) {
        outcome_.stopped_by = "max_minutes reached";
        return true;
    }
    return false;
}

Search::Scored Search::evaluate(const Graph& graph) {
    const EvaluationResult r = host_.evaluate(graph, eval_indices_);
    ++outcome_.evaluations;
    POT_CHECK(r.per_sample.size() == r.indices.size(), name_, ": the metric '", r.metric, "' gave ",
              r.per_sample.size(), " per-sample scores for ", r.indices.size(), " samples");
    Scored scored{r.value, {}};
    if (r.indices == diff_indices_) {
        scored.per_sample = r.per_sample;
        return scored;
    }
    std::unordered_map<size_t, double> by_index;
    for (size_t i = 0; i < r.indices.size(); ++i) by_index[r.indices[i]] = r.per_sample[i];
    for (size_t index : diff_indices_) scored.per_sample.push_back(by_index.at(index));
    return scored;
}

void Search::record(const std::string& action, const std::string& layer, const Scored& scored, size_t reverted,
                    const std::string& note) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    outcome_.steps.push_back({action, layer, scored.value, drop_of(scored.value), reverted, seconds, note});
    host_.log(LogLevel::Info, str_cat(name_, ": ", action, layer.empty() ? "" : " '" + layer + "'", ": metric ",
                                      format(scored.value), ", drop ", format(drop_of(scored.value)), " (budget ",
                                      format(outcome_.budget), "), ", reverted,
                                      mode_ == Mode::LowerBits ? " convolutions at 4 bits" : " layers in float",
                                      note.empty() ? "" : "; " + note));
}

void Search::consider(const Graph& graph, const Scored& scored, const std::vector<RankedLayer>& reverted) {
    const double drop = drop_of(scored.value);
    const bool better = !best_drop_ || drop < *best_drop_ ||
                        (drop == *best_drop_ && reverted.size() < outcome_.reverted.size());
    if (!better) return;
    best_drop_ = drop;
    outcome_.model = graph;
    outcome_.value = scored.value;
    outcome_.drop = drop;
    outcome_.reverted = reverted;
    outcome_.met = drop <= outcome_.budget;
    if (on_better_) on_better_(outcome_);
}

void Search::tune(const Graph& float_model, AlgorithmSpec spec, Graph& model, Scored& scored) {
    const auto subset = ranking_subset(diff_indices_, float_per_sample_, scored.per_sample, higher_is_better_,
                                       static_cast<size_t>(settings_.ranking_subset_size));
    const std::string where;  // the candidates' keys are this algorithm's params, changed
    // Oriented so that higher is better, on the subset the quantization hurt most.
    const auto score_on_subset = [&](const Graph& graph) {
        const double v = host_.evaluate(graph, subset).value;
        ++outcome_.ranking_evaluations;
        return higher_is_better_ ? v : -v;
    };
    double best_score = score_on_subset(model);
    host_.log(LogLevel::Info, str_cat(name_, ": tune_hyperparams: the base parameters score ",
                                      format(higher_is_better_ ? best_score : -best_score), " on ", subset.size(),
                                      " samples"));
    std::string best_change;
    std::optional<Graph> best;
    // Two rounds, as POT searches them: the activation range estimator, then bias correction with
    // the best range found.
    for (int round = 0; round < 2; ++round) {
        const auto candidates = round == 0 ? range_candidates(spec) : bias_candidates(spec);
        AlgorithmSpec round_best = spec;
        for (const auto& candidate : candidates) {
            if (out_of_time()) return;
            Graph g = search_.run_algorithms(float_model, {candidate.spec}, where);
            const double score = score_on_subset(g);
            host_.log(LogLevel::Info, str_cat(name_, ": tune_hyperparams: ", candidate.change, ": ",
                                              format(higher_is_better_ ? score : -score), " on ", subset.size(),
                                              " samples"));
            if (score > best_score) {
                best_score = score;
                best_change = (round == 0 || best_change.empty() ? "" : best_change + "; ") + candidate.change;
                best = std::move(g);
                round_best = candidate.spec;
            }
        }
        spec = round_best;
    }
    if (!best) {
        record("tune", "", scored, 0, "no other parameters scored better on the ranking subset");
        return;
    }
    const Scored now = evaluate(*best);
    const bool adopted = drop_of(now.value) < drop_of(scored.value);
    record("tune", "", now, 0, str_cat(best_change, adopted ? ": adopted" : ": not adopted, the drop did not fall"));
    if (!adopted) return;
    outcome_.tuned = best_change;
    model = std::move(*best);
    scored = now;
    consider(model, scored, {});
}

Outcome Search::run(const Graph& float_model) {
    start_ = std::chrono::steady_clock::now();
    search(float_model);
    outcome_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return std::move(outcome_);
}

void Search::search(const Graph& float_model) {
    // Asking once tells the host that an interrupt from now on stops the search, not the run.
    (void)search_.stop_requested();
    const size_t samples = host_.evaluation_data().size();
    POT_CHECK_KIND(Input, samples > 0, name_, ": the evaluation data has no samples");

    // Quantizing first makes a wrong parameter of the base algorithm an error before any evaluation.
    // The base algorithm's keys sit in this algorithm's params: errors name them there.
    const std::string base_where;
    Graph model = search_.run_algorithms(float_model, {settings_.base}, base_where);
    outcome_.quantized_layers = quantized_layers(model).size();
    if (settings_.annotation_free) {
        eval_indices_ = confident_samples(float_model, host_, settings_.annotation_conf_threshold);
        POT_CHECK_KIND(Input, !eval_indices_.empty(), settings_.path, "/annotation_conf_threshold: the float model "
                       "is confident (top probability above ", settings_.annotation_conf_threshold, ") on none of the ",
                       samples, " evaluation samples; lower the threshold");
        outcome_.confident_samples = eval_indices_.size();
        host_.log(LogLevel::Info, str_cat(name_, ": annotation_free: scoring the ", eval_indices_.size(),
                                          " of ", samples, " samples whose float prediction has a probability above ",
                                          settings_.annotation_conf_threshold));
    }
    // The float model: its metric value, and per-sample scores to compare quantized models with.
    // With annotation_free the float predictions are the labels: a given baseline does not apply.
    const auto baseline = settings_.annotation_free ? std::nullopt
                          : settings_.baseline      ? settings_.baseline
                                                    : search_.float_baseline();
    if (baseline) {
        double value = *baseline;
        std::vector<size_t> all(samples);
        std::iota(all.begin(), all.end(), size_t{0});
        std::mt19937_64 rng(settings_.seed);
        std::shuffle(all.begin(), all.end(), rng);
        const auto size = std::max<size_t>(1, static_cast<size_t>(static_cast<double>(samples) *
                                                                  settings_.metric_subset_ratio));
        all.resize(std::min(size, samples));
        std::sort(all.begin(), all.end());
        diff_indices_ = all;
        const auto r = host_.evaluate(float_model, diff_indices_);
        metric_ = r.metric;
        higher_is_better_ = r.higher_is_better;
        // POT's metrics were fractions: a baseline of at most 1 for a metric in percent is read as one.
        if (is_percent(metric_) && value <= 1.0) {
            host_.log(LogLevel::Warning, str_cat(settings_.path, "/metrics/0/baseline_value (or engine.metrics[0]."
                                                 "baseline_value): ", value, " read as a fraction (POT's metrics were "
                                                 "fractions): ", value * 100, " in '", metric_, "', which is in percent"));
            value *= 100;
        }
        outcome_.float_value = value;
        float_per_sample_ = r.per_sample;
    } else {
        const auto r = host_.evaluate(float_model, eval_indices_);
        ++outcome_.evaluations;
        POT_CHECK_KIND(Config, !settings_.annotation_free || r.metric.rfind("agreement", 0) == 0, settings_.path,
                       "/annotation_free: scores agreement with the float model's predictions, but the job's metric "
                       "is '", r.metric, "' (the evaluation data has annotations, or engine.metrics names it): "
                       "drop the annotations or the metric, or set annotation_free to false");
        outcome_.float_value = r.value;
        metric_ = r.metric;
        higher_is_better_ = r.higher_is_better;
        diff_indices_ = r.indices;
        float_per_sample_ = r.per_sample;
    }
    POT_CHECK(float_per_sample_.size() == diff_indices_.size(), name_, ": the metric gave ",
              float_per_sample_.size(), " per-sample scores for ", diff_indices_.size(), " samples");
    outcome_.budget = settings_.drop_type == DropType::Absolute
                          ? settings_.maximal_drop
                          : settings_.maximal_drop * std::fabs(outcome_.float_value);
    host_.log(LogLevel::Info, str_cat(name_, ": float model ", format(outcome_.float_value),
                                      baseline ? " (baseline_value)" : "", "; drop budget ",
                                      format(outcome_.budget)));
    // POT's Accuracy Checker metrics were fractions, so its configs say 0.01 for one point; here
    // the standard metrics are in percent and such a budget would revert nearly everything.
    if (is_percent(metric_) && settings_.drop_type == DropType::Absolute && settings_.maximal_drop > 0 &&
        settings_.maximal_drop < 0.1)
        host_.log(LogLevel::Warning,
                  str_cat(settings_.path, "/maximal_drop: ", format(settings_.maximal_drop), " is in points of '",
                          metric_, "', which is in percent; POT's metrics were fractions, where 0.01 meant one "
                          "point: for a POT config, multiply maximal_drop by 100"));

    Scored scored = evaluate(model);
    record("quantize", "", scored, 0, str_cat(outcome_.quantized_layers, " layers quantized by ", settings_.base.name));
    if (mode_ == Mode::LowerBits) return lower(float_model, std::move(model), std::move(scored));
    consider(model, scored, {});
    if (outcome_.met) {
        outcome_.stopped_by = "the budget is met";
        return;
    }
    AlgorithmSpec spec = settings_.base;
    if (settings_.convert_to_mixed_preset) {
        spec = settings_.mixed;
        model = search_.run_algorithms(float_model, {spec}, base_where);
        scored = evaluate(model);
        record("mixed preset", "", scored, 0);
        consider(model, scored, {});
        if (outcome_.met) {
            outcome_.stopped_by = "the budget is met";
            return;
        }
    }
    if (settings_.tune_hyperparams && !out_of_time()) {
        tune(float_model, spec, model, scored);
        if (outcome_.met) {
            outcome_.stopped_by = "the budget is met";
            return;
        }
    }

    // Put layers back in float, the one whose revert helps most first.
    std::vector<RankedLayer> reverted, ranking, last_ranking;
    bool ranked_current = false;  // `ranking` was made on `model` as it is now
    bool force_next = false;      // keep the next revert even if the drop grows
    double drop = drop_of(scored.value);
    for (int64_t iteration = 0;; ++iteration) {
        if (out_of_time()) break;
        if (iteration >= settings_.max_iter_num) {
            outcome_.stopped_by = "max_iter_num reached";
            break;
        }
        if (ranking.empty()) {
            const auto candidates = quantized_layers(model);
            if (candidates.empty()) {
                outcome_.stopped_by = "no quantized layer is left";
                break;
            }
            if (ranked_current) {
                // No single revert lowers the drop: keep the best-ranked one anyway (the drop may
                // fall once its neighbours are in float too) and rank again.
                force_next = true;
                ranking = last_ranking;
                ranked_current = false;
            }
            if (!force_next) {
                const auto subset =
                    ranking_subset(diff_indices_, float_per_sample_, scored.per_sample, higher_is_better_,
                                   static_cast<size_t>(settings_.ranking_subset_size));
                ranking = rank_layers(model, candidates, subset, settings_.ranking, host_,
                                      [this] { return out_of_time(); });
                outcome_.ranking_evaluations += ranking.size();
                if (ranking.size() < candidates.size()) break;  // out of time
                last_ranking = ranking;
                ranked_current = true;
                host_.log(LogLevel::Info, str_cat(name_, ": ranked ", ranking.size(), " layers on ", subset.size(),
                                                  " samples; first '", ranking.front().layer, "'"));
            }
            if (out_of_time()) break;
        }
        const RankedLayer next = ranking.front();
        ranking.erase(ranking.begin());
        Graph previous = model;
        revert_layer(model, next.layer);
        reverted.push_back(next);
        const Scored now = evaluate(model);
        const double new_drop = drop_of(now.value);
        record("revert", next.layer, now, reverted.size(), str_cat("ranking score ", format(next.score)));
        consider(model, now, reverted);
        if (outcome_.met) {
            outcome_.stopped_by = "the budget is met";
            break;
        }
        if (new_drop <= drop && !force_next) {  // it helped: go on down the ranking
            drop = new_drop;
            scored = now;
            ranked_current = false;
            continue;
        }
        if (settings_.use_prev_if_drop_increase && !force_next) {
            // The model is the one ranked again: the rest of the ranking still holds.
            model = std::move(previous);
            reverted.pop_back();
            record("undo", next.layer, scored, reverted.size(), "the drop grew to " + format(new_drop));
            continue;
        }
        // Kept although it hurt: the ranking no longer describes the model.
        force_next = false;
        drop = new_drop;
        scored = now;
        ranking.clear();
        ranked_current = false;
    }
}

SearchServices& search_services(HostServices& host, const std::string& algorithm) {
    auto* search = dynamic_cast<SearchServices*>(&host);
    POT_CHECK(search, algorithm, ": the host does not offer SearchServices (plugin ABI 2.1); update pot-host");
    return *search;
}

Search::OnBetter checkpoint_sink(HostServices& host, std::function<std::string(const Outcome&)> summary) {
    auto* results = dynamic_cast<ResultServices*>(&host);
    if (!results) return {};
    return [results, summary = std::move(summary)](const Outcome& o) { results->checkpoint(o.model, o.met, summary(o)); };
}

nlohmann::json steps_json(const Outcome& outcome, const char* layers_key) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : outcome.steps) {
        nlohmann::json step = {{"action", s.action}, {"metric", s.value}, {"drop", s.drop},
                               {layers_key, s.reverted}, {"seconds", s.seconds}};
        if (!s.layer.empty()) step["layer"] = s.layer;
        if (!s.note.empty()) step["note"] = s.note;
        steps.push_back(step);
    }
    return steps;
}

std::vector<std::string> lowerable_layers(const Graph& graph) {
    std::vector<std::string> out;
    for (const auto& name : quantized_layers(graph)) {
        const Node& node = graph.nodes[*graph.find_node(name)];
        if (node.op_type != "Conv" || !node.domain.empty() || node.attr_int("group", 1) != 1 || node.inputs.size() < 2)
            continue;
        const auto weights = graph.producer(node.inputs[1]);
        if (weights && is_fake_quantize(graph.nodes[*weights])) out.push_back(name);
    }
    return out;
}

nlohmann::json four_bit_layer() {
    const nlohmann::json quantile = {{"type", "quantile"}, {"outlier_prob", 1e-3}};
    return {{"bits", 4},
            {"weights", {{"range_estimator", {{"max", quantile}}}}},
            {"activations", {{"range_estimator", {{"min", quantile}, {"max", quantile}}}}}};
}

AlgorithmSpec Search::with_four_bits(const std::vector<std::string>& layers) const {
    nlohmann::json params = nlohmann::json::parse(settings_.base.params_json);
    nlohmann::json& layerwise = params["layerwise"];
    if (!layerwise.is_object()) layerwise = nlohmann::json::object();
    for (const auto& layer : layers) layerwise[layer] = four_bit_layer();
    return {settings_.base.name, params.dump()};
}

void Search::lower(const Graph& float_model, Graph model, Scored scored) {
    const std::string base_where;
    // The 8-bit model is the result unless lowering keeps within the budget.
    outcome_.model = model;
    outcome_.value = scored.value;
    outcome_.drop = drop_of(scored.value);
    outcome_.met = outcome_.drop <= outcome_.budget;
    if (on_better_) on_better_(outcome_);
    if (!outcome_.met) {
        outcome_.stopped_by = "the 8-bit model exceeds the budget already";
        return;
    }
    const auto candidates = lowerable_layers(model);
    if (candidates.empty()) {
        outcome_.stopped_by = "no convolution to lower";
        return;
    }
    // Each convolution alone at 4 bits, scored on the samples the quantization hurt most: the
    // least harmful is lowered first.
    const auto subset = ranking_subset(diff_indices_, float_per_sample_, scored.per_sample, higher_is_better_,
                                       static_cast<size_t>(settings_.ranking_subset_size));
    std::vector<RankedLayer> ranking;
    for (const auto& layer : candidates) {
        if (out_of_time()) return;
        const Graph g = search_.run_algorithms(float_model, {with_four_bits({layer})}, base_where);
        const double v = host_.evaluate(g, subset).value;
        ++outcome_.ranking_evaluations;
        ranking.push_back({layer, higher_is_better_ ? v : -v});
    }
    std::stable_sort(ranking.begin(), ranking.end(),
                     [](const RankedLayer& a, const RankedLayer& b) { return a.score > b.score; });
    host_.log(LogLevel::Info, str_cat(name_, ": ranked ", ranking.size(), " convolutions at 4 bits on ", subset.size(),
                                      " samples; first '", ranking.front().layer, "'"));
    std::vector<std::string> lowered;
    for (const auto& next : ranking) {
        if (out_of_time()) return;
        if (static_cast<int64_t>(lowered.size()) >= settings_.max_iter_num) {
            outcome_.stopped_by = "max_iter_num reached";
            return;
        }
        lowered.push_back(next.layer);
        Graph g = search_.run_algorithms(float_model, {with_four_bits(lowered)}, base_where);
        const Scored now = evaluate(g);
        const double drop = drop_of(now.value);
        record("lower", next.layer, now, lowered.size(), str_cat("ranking score ", format(next.score)));
        if (drop > outcome_.budget) {
            // As POT does: the first lowering past the budget is undone and the search ends.
            lowered.pop_back();
            record("undo", next.layer, scored, lowered.size(), "the drop " + format(drop) + " exceeds the budget");
            outcome_.stopped_by = "the next lowering exceeds the budget";
            return;
        }
        scored = now;
        outcome_.model = std::move(g);
        outcome_.value = now.value;
        outcome_.drop = drop;
        outcome_.lowered.push_back(next);
        if (on_better_) on_better_(outcome_);
    }
    outcome_.stopped_by = "every convolution is at 4 bits";
}

}  // namespace pot::accuracy_aware
