#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>

#include <pot/optimizer.hpp>
#include <pot/params.hpp>

namespace pot::random_search {

/// Uniform random search over finite choices: the baseline any model-based optimizer must beat.
/// Each ask draws every dimension uniformly; a point already asked for or told is drawn again
/// (up to a bound, after which repeats are allowed: a small space may be exhausted).
/// Deterministic for a seed. Parameters: `seed` (default 0).
class RandomSearch final : public Optimizer {
public:
    explicit RandomSearch(const Params& params);
    explicit RandomSearch(uint64_t seed) : rng_(seed) {}

    std::string name() const override { return "RandomSearch"; }
    Trial ask(const SearchSpace& space) override;
    void tell(const Trial& trial, double score) override;

private:
    std::mt19937_64 rng_;
    int64_t next_id_ = 0;
    std::set<int64_t> pending_;
    std::set<std::map<std::string, std::string>> seen_;
};

}  // namespace pot::random_search
