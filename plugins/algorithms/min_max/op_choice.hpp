#pragma once

#include <optional>
#include <string>

#include "settings.hpp"

namespace pot::min_max {

/// One op's quantization as TunableQuantization offers it: one choice of the op's dimension.
struct OpChoice {
    bool keep_float = false;  ///< the op stays in float; the other members are then unused
    bool activations_symmetric = true;
    bool weights_per_channel = false;
    RangeEstimator range;  ///< how the ranges of the activations the op configures are estimated

    bool operator==(const OpChoice&) const = default;
};

/// What one op quantizes, which decides the parts its choices spell out.
struct OpTraits {
    bool has_activations = false;  ///< it configures an activation (QuantizationPoint::config_node)
    bool has_weights = false;      ///< it has a quantized weight input
    bool has_channel_axis = false;  ///< those weights can be quantized per output channel

    bool operator==(const OpTraits&) const = default;
};

/// The reducers a statistics estimator's range comes from, and whether it needs outlier_prob.
bool uses_quantile(const RangeEstimator& range);

/// `choice` with the members `traits` has no use for set to fixed values (those of `configured`,
/// the op's choice without a trial), so that two choices that quantize alike compare equal:
/// an abs_max estimator reads its low end from the Min reducer, and an estimator without a
/// quantile carries configured.range.outlier_prob.
OpChoice normalized(OpChoice choice, const OpTraits& traits, const OpChoice& configured);

/// The text of a choice: "float" (pot::kFloatChoice), or these parts, space-separated, in this
/// order, each only when `traits` has a use for it:
///   a:sym | a:asym                activation mode (has_activations)
///   w:perchannel | w:pertensor    weight granularity (has_weights)
///   r:<estimator>                 activation range estimator (has_activations)
/// <estimator> is <low>/<high> with low one of mean_min, min, mean_quantile and high one of
/// mean_max, max, mean_quantile; "mean_quantile" for mean_quantile/mean_quantile; "abs_max" for
/// [-max |x|, max |x|]; followed by @<outlier_prob> when a quantile is used. A configured
/// histogram method is its name (kl, symkl, jsd, mse, aciq, admm). Example:
/// "a:asym w:pertensor r:mean_min/mean_quantile@0.001".
std::string format_choice(const OpChoice& choice, const OpTraits& traits);

/// Reads format_choice() text back, normalized(); nullopt when `text` is no choice for an op with
/// `traits` (a missing or extra part, an unknown name, a histogram method other than the
/// configured one, an outlier probability outside (0, 0.5)).
std::optional<OpChoice> parse_choice(const std::string& text, const OpTraits& traits,
                                     const OpChoice& configured);

}  // namespace pot::min_max
