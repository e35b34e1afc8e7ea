#include "random_search.hpp"

#include <cmath>

namespace pot::random_search {

namespace {

uint64_t parse_seed(const Params& params) {
    const int64_t seed = params.get_int("seed", 0);
    POT_CHECK_KIND(Config, seed >= 0, params.path(), "/seed: expected >= 0, got ", seed);
    params.reject_unknown();
    return static_cast<uint64_t>(seed);
}

// Redraws before a repeated point is accepted.
constexpr int kMaxRedraws = 64;

}  // namespace

RandomSearch::RandomSearch(const Params& params) : RandomSearch(parse_seed(params)) {}

Trial RandomSearch::ask(const SearchSpace& space) {
    POT_CHECK_KIND(Config, !space.dimensions.empty(), "RandomSearch: the search space has no dimensions");
    for (const auto& d : space.dimensions)
        POT_CHECK_KIND(Config, !d.choices.empty(), "RandomSearch: dimension '", d.name, "' has no choices");
    Trial t;
    for (int attempt = 0; attempt < kMaxRedraws; ++attempt) {
        t.choice.clear();
        for (const auto& d : space.dimensions) {
            std::uniform_int_distribution<size_t> pick(0, d.choices.size() - 1);
            t.choice[d.name] = d.choices[pick(rng_)];
        }
        if (!seen_.count(t.choice)) break;
    }
    t.id = next_id_++;
    pending_.insert(t.id);
    seen_.insert(t.choice);
    return t;
}

void RandomSearch::tell(const Trial& trial, double score) {
    POT_CHECK(std::isfinite(score), "RandomSearch: trial ", trial.id, " has a non-finite score ", score);
    // Scores do not steer a random search; a trial it did not ask for is only not proposed again.
    if (!pending_.erase(trial.id)) seen_.insert(trial.choice);
}

}  // namespace pot::random_search
