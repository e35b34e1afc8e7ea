#include "tpe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

namespace pot::tpe {

TpeSettings parse_tpe_settings(const Params& params) {
    TpeSettings s;
    const int64_t seed = params.get_int("seed", 0);
    POT_CHECK_KIND(Config, seed >= 0, params.path(), "/seed: expected >= 0, got ", seed);
    s.seed = static_cast<uint64_t>(seed);
    s.startup_trials = params.get_int("n_startup_trials", s.startup_trials);
    POT_CHECK_KIND(Config, s.startup_trials >= 1, params.path(), "/n_startup_trials: expected >= 1, got ",
                   s.startup_trials);
    s.candidates = params.get_int("n_ei_candidates", s.candidates);
    POT_CHECK_KIND(Config, s.candidates >= 1, params.path(), "/n_ei_candidates: expected >= 1, got ",
                   s.candidates);
    s.gamma = params.get_double("gamma", s.gamma);
    POT_CHECK_KIND(Config, s.gamma > 0.0 && s.gamma < 1.0, params.path(), "/gamma: expected in (0, 1), got ",
                   s.gamma);
    s.prior_weight = params.get_double("prior_weight", s.prior_weight);
    POT_CHECK_KIND(Config, s.prior_weight > 0.0, params.path(), "/prior_weight: expected > 0, got ",
                   s.prior_weight);
    params.reject_unknown();
    return s;
}

Tpe::Tpe(const Params& params) : Tpe(parse_tpe_settings(params)) {}

Tpe::Tpe(TpeSettings settings) : settings_(settings), rng_(settings.seed) {}

void Tpe::check_space(const SearchSpace& space) {
    POT_CHECK_KIND(Config, !space.dimensions.empty(), "TPE: the search space has no dimensions");
    std::set<std::string> names;
    for (const auto& d : space.dimensions) {
        POT_CHECK_KIND(Config, !d.choices.empty(), "TPE: dimension '", d.name, "' has no choices");
        POT_CHECK_KIND(Config, names.insert(d.name).second, "TPE: dimension '", d.name, "' appears twice");
    }
    if (!space_) {
        // Trials told before the first ask are checked now that the space is known.
        for (const auto& s : scored_) check_choices(space, s.trial);
        space_ = space;
        return;
    }
    // The model counts choices by position: a space that changes between asks is a caller error.
    bool same = space_->dimensions.size() == space.dimensions.size();
    for (size_t i = 0; same && i < space.dimensions.size(); ++i)
        same = space_->dimensions[i].name == space.dimensions[i].name &&
               space_->dimensions[i].choices == space.dimensions[i].choices;
    POT_CHECK(same, "TPE: the search space changed between asks");
}

Trial Tpe::ask(const SearchSpace& space) {
    check_space(space);
    Trial t = static_cast<int64_t>(scored_.size()) < settings_.startup_trials ? random_trial(space)
                                                                               : modelled_trial(space);
    t.id = next_id_++;
    pending_[t.id] = t;
    asked_.insert(t.choice);
    return t;
}

void Tpe::tell(const Trial& trial, double score) {
    POT_CHECK(std::isfinite(score), "TPE: trial ", trial.id, " has a non-finite score ", score);
    auto it = pending_.find(trial.id);
    if (it != pending_.end()) {
        scored_.push_back({it->second, score});
        pending_.erase(it);
        return;
    }
    POT_CHECK(trial.id < 0 || trial.id >= next_id_, "TPE: trial ", trial.id, " was already told");
    // A trial it did not propose (the base configuration, a resumed run's trials): learnt from
    // all the same, and never proposed again.
    if (space_) check_choices(*space_, trial);
    scored_.push_back({trial, score});
    asked_.insert(trial.choice);
}

void Tpe::check_choices(const SearchSpace& space, const Trial& trial) {
    for (const auto& d : space.dimensions) {
        auto it = trial.choice.find(d.name);
        POT_CHECK(it != trial.choice.end(), "TPE: told trial ", trial.id, " has no choice for '", d.name, "'");
        POT_CHECK(std::find(d.choices.begin(), d.choices.end(), it->second) != d.choices.end(), "TPE: told trial ",
                  trial.id, " chose '", it->second, "' for '", d.name, "', which is not one of its choices");
    }
    POT_CHECK(trial.choice.size() == space.dimensions.size(), "TPE: told trial ", trial.id,
              " has choices for dimensions the search space does not have");
}

std::optional<std::pair<Trial, double>> Tpe::best() const {
    if (scored_.empty()) return std::nullopt;
    const auto it = std::min_element(scored_.begin(), scored_.end(),
                                     [](const Scored& a, const Scored& b) { return a.score < b.score; });
    return std::make_pair(it->trial, it->score);
}

bool Tpe::numeric(const SearchDimension& d) {
    return std::all_of(d.choices.begin(), d.choices.end(), [](const std::string& c) {
        char* end = nullptr;
        std::strtod(c.c_str(), &end);
        return !c.empty() && end == c.c_str() + c.size();
    });
}

Trial Tpe::random_trial(const SearchSpace& space) {
    // A few redraws keep startup trials from repeating a point while unasked ones remain likely.
    Trial t;
    for (int attempt = 0; attempt < 32; ++attempt) {
        t.choice.clear();
        for (const auto& d : space.dimensions) {
            std::uniform_int_distribution<size_t> pick(0, d.choices.size() - 1);
            t.choice[d.name] = d.choices[pick(rng_)];
        }
        if (!asked_.count(t.choice)) break;
    }
    return t;
}

Trial Tpe::modelled_trial(const SearchSpace& space) {
    // Split by score: ties keep the order of the tells, so the split is deterministic.
    std::vector<const Scored*> order;
    for (const auto& s : scored_) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const Scored* a, const Scored* b) { return a->score < b->score; });
    const auto n = static_cast<double>(order.size());
    const size_t good_count = std::clamp<size_t>(static_cast<size_t>(std::ceil(settings_.gamma * n)), 1, 25);

    // Per dimension, the prior-smoothed densities of good (l) and bad (g) trials over the choices.
    // Numeric choices (bits, thresholds, ...) are ordered: each trial spreads its weight over
    // neighbouring choices with a Gaussian window on the choice index, narrowing as trials
    // accumulate (as Parzen estimators do), so the search can move towards a good value it has
    // not tried. Other choices are categories: each trial counts for its own choice only.
    struct Model {
        std::vector<double> good, bad;
    };
    std::vector<Model> models;
    for (const auto& d : space.dimensions) {
        const size_t k = d.choices.size();
        const bool ordered = numeric(d);
        Model m{std::vector<double>(k, settings_.prior_weight / static_cast<double>(k)),
                std::vector<double>(k, settings_.prior_weight / static_cast<double>(k))};
        const auto add = [&](std::vector<double>& density, size_t at, size_t set_size) {
            if (!ordered) {
                density[at] += 1.0;
                return;
            }
            const double width = std::max(1.0, static_cast<double>(k - 1) / (2.0 + static_cast<double>(set_size)));
            std::vector<double> w(k);
            double total = 0.0;
            for (size_t i = 0; i < k; ++i) {
                const double z = (static_cast<double>(i) - static_cast<double>(at)) / width;
                total += w[i] = std::exp(-0.5 * z * z);
            }
            for (size_t i = 0; i < k; ++i) density[i] += w[i] / total;
        };
        for (size_t i = 0; i < order.size(); ++i) {
            const auto chosen = std::find(d.choices.begin(), d.choices.end(), order[i]->trial.choice.at(d.name));
            const bool good = i < good_count;
            add(good ? m.good : m.bad, static_cast<size_t>(chosen - d.choices.begin()),
                good ? good_count : order.size() - good_count);
        }
        for (auto* v : {&m.good, &m.bad}) {
            double total = 0.0;
            for (double x : *v) total += x;
            for (double& x : *v) x /= total;
        }
        models.push_back(std::move(m));
    }

    // Candidates from l; keep the one with the largest log l - log g. A point already asked for
    // only wins when every candidate was: scores here are deterministic, so a repeat teaches
    // nothing.
    Trial best;
    double best_ratio = -std::numeric_limits<double>::infinity();
    bool best_is_new = false;
    for (int64_t c = 0; c < settings_.candidates; ++c) {
        Trial t;
        double ratio = 0.0;
        for (size_t d = 0; d < space.dimensions.size(); ++d) {
            std::discrete_distribution<size_t> from_good(models[d].good.begin(), models[d].good.end());
            const size_t i = from_good(rng_);
            t.choice[space.dimensions[d].name] = space.dimensions[d].choices[i];
            ratio += std::log(models[d].good[i]) - std::log(models[d].bad[i]);
        }
        const bool is_new = !asked_.count(t.choice);
        if ((is_new && !best_is_new) || (is_new == best_is_new && ratio > best_ratio)) {
            best_ratio = ratio;
            best_is_new = is_new;
            best = std::move(t);
        }
    }
    return best;
}

}  // namespace pot::tpe
