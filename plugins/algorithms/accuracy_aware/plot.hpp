#pragma once

#include <string>

#include "search.hpp"

namespace pot::accuracy_aware {

/// A PNG image of the drop after every step of the search, with the budget as a line: what each
/// revert bought, and where the search stopped. Returns the encoded file.
std::string plot_steps(const Outcome& outcome);

}  // namespace pot::accuracy_aware
