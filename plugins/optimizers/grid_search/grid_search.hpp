#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <pot/optimizer.hpp>
#include <pot/params.hpp>

namespace pot::grid_search {

/// Every point of the search space once, in order (the last dimension varies fastest), skipping
/// points it was told about; after the last point it starts over. For small spaces, and to
/// score a whole space (bench/tuning). No parameters.
class GridSearch final : public Optimizer {
public:
    GridSearch() = default;
    explicit GridSearch(const Params& params);

    std::string name() const override { return "GridSearch"; }
    Trial ask(const SearchSpace& space) override;
    void tell(const Trial& trial, double score) override;

private:
    std::vector<size_t> position_;  ///< the next point, one choice index per dimension
    bool wrapped_ = false;          ///< every point was visited once
    int64_t next_id_ = 0;
    std::set<std::map<std::string, std::string>> seen_;
};

}  // namespace pot::grid_search
