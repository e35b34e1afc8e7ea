#pragma once

#include <string>
#include <vector>

#include "pot/visibility.hpp"

namespace pot {

/// The candidate closest to `name` by edit distance (case-insensitive), or "" when none is close
/// enough to be a plausible typo.
/// @since ABI 2.0
POT_SDK_VISIBLE std::string nearest_name(const std::string& name,
                                         const std::vector<std::string>& candidates);

/// " (did you mean 'x'?)" when a near candidate exists, else "".
/// @since ABI 2.0
POT_SDK_VISIBLE std::string did_you_mean(const std::string& name,
                                         const std::vector<std::string>& candidates);

}  // namespace pot
