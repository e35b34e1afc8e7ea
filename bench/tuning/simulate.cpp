// Replays optimizers on a scored search space: reads a trial log in which every point of the
// space was scored (GridSearch, see run.sh), then runs TPE and RandomSearch with several seeds
// against that table, as a tuning run would (the base configuration told first), and reports
// how many trials each needs. The table makes the comparison exact and cheap: both optimizers
// see the same scores, and no trial is measured twice.
//
//   pot-tuning-simulate LOG.jsonl [--seeds N] [--trials N]
//
// Prints a JSON summary on stdout.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grid_search.hpp"
#include "pot/core/trial_log.hpp"
#include "pot/core/tuning_loop.hpp"
#include "pot/error.hpp"
#include "random_search.hpp"
#include "tpe.hpp"

namespace {

using Choice = std::map<std::string, std::string>;

// Best loss after each trial (index 0: after the base trial).
std::vector<double> replay(pot::Optimizer& optimizer, const pot::SearchSpace& space, const std::map<Choice, double>& table,
                           const pot::Trial& base, int trials) {
    std::vector<double> best;
    optimizer.tell(base, table.at(base.choice));
    best.push_back(table.at(base.choice));
    for (int i = 1; i < trials; ++i) {
        const pot::Trial t = optimizer.ask(space);
        const double loss = table.at(t.choice);
        optimizer.tell(t, loss);
        best.push_back(std::min(best.back(), loss));
    }
    return best;
}

// Trials needed to reach `target` (1-based), or 0 when never reached.
int trials_to_reach(const std::vector<double>& curve, double target) {
    for (size_t i = 0; i < curve.size(); ++i)
        if (curve[i] <= target) return static_cast<int>(i + 1);
    return 0;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::string log;
        int seeds = 10, trials = 100;
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--seeds" && i + 1 < argc) {
                seeds = std::atoi(argv[++i]);
            } else if (a == "--trials" && i + 1 < argc) {
                trials = std::atoi(argv[++i]);
            } else if (log.empty() && a.rfind("--", 0) != 0) {
                log = a;
            } else {
                std::cerr << "usage: pot-tuning-simulate LOG.jsonl [--seeds N] [--trials N]\n";
                return 2;
            }
        }
        POT_CHECK_KIND(Config, !log.empty() && seeds >= 1 && trials >= 2, "usage: pot-tuning-simulate LOG.jsonl "
                       "[--seeds N >= 1] [--trials N >= 2]");
        const auto content = pot::core::TrialLog::read(log);
        const auto& space = content.header.space;
        const double points = pot::core::search_space_points(space);
        std::map<Choice, double> table;
        for (const auto& t : content.trials) table.emplace(t.trial.choice, t.loss);
        POT_CHECK_KIND(Input, static_cast<double>(table.size()) == points, log, ": ", table.size(), " of ", points,
                       " points scored; score the whole space first (GridSearch, max_trials >= points + 1)");
        POT_CHECK_KIND(Input, !content.trials.empty(), log, ": no trials");
        const pot::Trial base = content.trials.front().trial;
        double optimum = table.begin()->second;
        for (const auto& [choice, loss] : table) optimum = std::min(optimum, loss);

        nlohmann::json runs = nlohmann::json::array();
        std::vector<double> tpe_needed, random_best, tpe_best, tpe_to_optimum, random_to_optimum;
        for (int seed = 0; seed < seeds; ++seed) {
            pot::random_search::RandomSearch random(static_cast<uint64_t>(seed));
            pot::tpe::TpeSettings settings;
            settings.seed = static_cast<uint64_t>(seed);
            pot::tpe::Tpe tpe(settings);
            const auto r = replay(random, space, table, base, trials);
            const auto t = replay(tpe, space, table, base, trials);
            // The trials TPE needs to reach what random search found in all of its trials
            // (counted as twice the budget when it never does, so the median stays honest).
            const int needed = trials_to_reach(t, r.back());
            tpe_needed.push_back(needed ? needed : 2.0 * trials);
            random_best.push_back(r.back());
            tpe_best.push_back(t.back());
            const int t_opt = trials_to_reach(t, optimum), r_opt = trials_to_reach(r, optimum);
            tpe_to_optimum.push_back(t_opt ? t_opt : 2.0 * trials);
            random_to_optimum.push_back(r_opt ? r_opt : 2.0 * trials);
            runs.push_back({{"seed", seed}, {"random_best", r.back()}, {"tpe_best", t.back()},
                            {"tpe_trials_to_random_best", needed ? nlohmann::json(needed) : nlohmann::json()},
                            {"tpe_trials_to_optimum", t_opt ? nlohmann::json(t_opt) : nlohmann::json()},
                            {"random_trials_to_optimum", r_opt ? nlohmann::json(r_opt) : nlohmann::json()}});
        }
        const nlohmann::json out = {
            {"log", log},
            {"points", points},
            {"dimensions", space.dimensions.size()},
            {"trials", trials},
            {"seeds", seeds},
            {"optimum_loss", optimum},
            {"base_loss", table.at(base.choice)},
            {"median_random_best", median(random_best)},
            {"median_tpe_best", median(tpe_best)},
            {"median_tpe_trials_to_random_best", median(tpe_needed)},
            {"median_tpe_trials_to_optimum", median(tpe_to_optimum)},
            {"median_random_trials_to_optimum", median(random_to_optimum)},
            {"runs", runs}};
        std::cout << out.dump(2) << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "pot-tuning-simulate: " << e.what() << "\n";
        return 2;
    }
}
