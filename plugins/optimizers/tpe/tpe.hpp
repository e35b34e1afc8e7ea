#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <pot/optimizer.hpp>
#include <pot/params.hpp>

namespace pot::tpe {

struct TpeSettings {
    uint64_t seed = 0;
    /// Trials drawn at random before the model of good and bad choices is used.
    int64_t startup_trials = 10;
    /// Candidates drawn from the good-trial model per ask; the best ratio wins.
    int64_t candidates = 24;
    /// Fraction of the scored trials counted as good (at least one, at most 25).
    double gamma = 0.25;
    /// Weight of the uniform prior in each choice's smoothed frequency.
    double prior_weight = 1.0;
};

/// Reads the optimizer's params; unknown keys and out-of-range values are Config errors naming
/// the JSON path.
TpeSettings parse_tpe_settings(const Params& params);

/// Tree-structured Parzen estimator (Bergstra et al., 2011) over finite choices.
/// After `startup_trials` random trials, the scored trials are split into the best `gamma`
/// fraction (good) and the rest (bad). Per dimension, l(c) and g(c) are prior-smoothed densities
/// of good and bad trials over the choices (a Gaussian window over the index for numeric, hence
/// ordered, choices; plain counts for categories); each ask draws `candidates` points from l and
/// returns the one with the largest prod l(c) / g(c), TPE's expected-improvement criterion,
/// preferring points not asked for yet. Dimensions are modelled independently, as in the
/// original method. Deterministic for a seed and a sequence of tells.
class Tpe final : public Optimizer {
public:
    explicit Tpe(const Params& params);
    explicit Tpe(TpeSettings settings);

    std::string name() const override { return "TPE"; }
    Trial ask(const SearchSpace& space) override;
    /// Trials it did not ask for are learnt from too (ABI 2.3), and not proposed again.
    void tell(const Trial& trial, double score) override;

    /// The scored trial with the lowest score so far, if any.
    std::optional<std::pair<Trial, double>> best() const;

private:
    struct Scored {
        Trial trial;
        double score;
    };
    Trial random_trial(const SearchSpace& space);
    Trial modelled_trial(const SearchSpace& space);
    void check_space(const SearchSpace& space);
    static void check_choices(const SearchSpace& space, const Trial& trial);
    /// Whether every choice of `d` is a number: such dimensions are modelled as ordered.
    static bool numeric(const SearchDimension& d);

    TpeSettings settings_;
    std::mt19937_64 rng_;
    std::optional<SearchSpace> space_;
    int64_t next_id_ = 0;
    std::map<int64_t, Trial> pending_;
    std::vector<Scored> scored_;
    std::set<std::map<std::string, std::string>> asked_;
};

}  // namespace pot::tpe
