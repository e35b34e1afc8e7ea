#include "grid_search.hpp"

#include <cmath>

namespace pot::grid_search {

GridSearch::GridSearch(const Params& params) { params.reject_unknown(); }

Trial GridSearch::ask(const SearchSpace& space) {
    POT_CHECK_KIND(Config, !space.dimensions.empty(), "GridSearch: the search space has no dimensions");
    for (const auto& d : space.dimensions)
        POT_CHECK_KIND(Config, !d.choices.empty(), "GridSearch: dimension '", d.name, "' has no choices");
    if (position_.size() != space.dimensions.size()) position_.assign(space.dimensions.size(), 0);
    const auto point = [&] {
        Trial t;
        for (size_t i = 0; i < space.dimensions.size(); ++i)
            t.choice[space.dimensions[i].name] = space.dimensions[i].choices.at(position_[i]);
        return t;
    };
    const auto advance = [&] {
        for (size_t i = space.dimensions.size(); i-- > 0;) {
            if (++position_[i] < space.dimensions[i].choices.size()) return;
            position_[i] = 0;
        }
        wrapped_ = true;
    };
    Trial t = point();
    // Points told already are skipped until the grid has been walked once.
    while (!wrapped_ && seen_.count(t.choice)) {
        advance();
        t = point();
    }
    advance();
    t.id = next_id_++;
    seen_.insert(t.choice);
    return t;
}

void GridSearch::tell(const Trial& trial, double score) {
    POT_CHECK(std::isfinite(score), "GridSearch: trial ", trial.id, " has a non-finite score ", score);
    seen_.insert(trial.choice);
}

}  // namespace pot::grid_search
