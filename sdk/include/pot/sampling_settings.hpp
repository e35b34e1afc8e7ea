#pragma once

#include <cstddef>
#include <cstdint>

#include "pot/error.hpp"
#include "pot/params.hpp"

namespace pot {

/// Which calibration samples an algorithm's statistics are collected on (POT's stat_subset_size,
/// shuffle_data and seed). Consecutive algorithms that share a statistics pass get the largest
/// subset among them, drawn as the first of them asks.
/// @since ABI 2.0
struct SamplingSettings {
    size_t subset_size = 300;  ///< samples to collect statistics on; 0: all of the data
    bool shuffle = false;  ///< draw the subset at random (with `seed`), not the first in data order
    uint64_t seed = 0;
};

/// The parameter keys parse_sampling() reads, for an algorithm that hands its parameters on to
/// the algorithms it stands for.
/// @since ABI 2.0
inline constexpr const char* kSamplingKeys[] = {"stat_subset_size", "shuffle_data", "seed"};

/// Reads stat_subset_size (an integer >= 0; 0 means all samples), shuffle_data (true or false) and
/// seed (an integer) from an algorithm's `params`, each defaulting to its value in `defaults`, and
/// marks them known for Params::reject_unknown(). Errors are Config errors naming the JSON path,
/// e.g. "/compression/algorithms/0/params/stat_subset_size: must be >= 0 (0 = all samples), got -1".
/// Header-only like Params, so no JSON type crosses a library boundary.
/// @since ABI 2.0
inline SamplingSettings parse_sampling(const Params& params, const SamplingSettings& defaults = {}) {
    SamplingSettings s;
    const int64_t subset =
        params.get_int("stat_subset_size", static_cast<int64_t>(defaults.subset_size));
    POT_CHECK_KIND(Config, subset >= 0, params.path(),
                   "/stat_subset_size: must be >= 0 (0 = all samples), got ", subset);
    s.subset_size = static_cast<size_t>(subset);
    s.shuffle = params.get_bool("shuffle_data", defaults.shuffle);
    // POT's seed is any integer; a negative one still names one reproducible draw.
    s.seed = static_cast<uint64_t>(params.get_int("seed", static_cast<int64_t>(defaults.seed)));
    return s;
}

}  // namespace pot
