#include "bias_settings.hpp"

namespace pot::bias_correction {

BiasSettings parse_bias_settings(const Params& params) {
    BiasSettings s;
    s.threshold = params.get_double("threshold", kDefaultBiasShiftThreshold);
    POT_CHECK_KIND(Config, s.threshold > 0.0, params.path(), "/threshold: must be > 0, got ",
                   s.threshold);
    s.apply_for_all_nodes = params.get_bool("apply_for_all_nodes", false);
    const int64_t subset = params.get_int("stat_subset_size", 300);
    POT_CHECK_KIND(Config, subset >= 0, params.path(),
                   "/stat_subset_size: must be >= 0 (0 = all samples), got ", subset);
    s.stat_subset_size = static_cast<size_t>(subset);
    s.shuffle_data = params.get_bool("shuffle_data", false);
    s.seed = static_cast<uint64_t>(params.get_int("seed", 0));
    params.reject_unknown();
    return s;
}

}  // namespace pot::bias_correction
