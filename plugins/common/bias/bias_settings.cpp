#include "bias_settings.hpp"

namespace pot::bias_correction {

BiasSettings parse_bias_settings(const Params& params) {
    BiasSettings s;
    s.threshold = params.get_double("threshold", kDefaultBiasShiftThreshold);
    POT_CHECK_KIND(Config, s.threshold > 0.0, params.path(), "/threshold: must be > 0, got ",
                   s.threshold);
    s.apply_for_all_nodes = params.get_bool("apply_for_all_nodes", false);
    s.sampling = parse_sampling(params);
    params.reject_unknown();
    return s;
}

}  // namespace pot::bias_correction
