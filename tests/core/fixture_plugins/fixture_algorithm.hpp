#pragma once

// A do-nothing algorithm for plugin loading tests; its name tells which fixture made it.
#include <pot/algorithm.hpp>
#include <pot/params.hpp>

#ifndef FIXTURE_NAME
#error "define FIXTURE_NAME"
#endif

namespace fixture {

class Algorithm final : public pot::Algorithm {
public:
    explicit Algorithm(const pot::Params& params) : tag_(params.get_string("tag", "")) {
        params.reject_unknown();
    }
    std::string name() const override { return std::string(FIXTURE_NAME) + tag_; }
    std::vector<pot::StatisticRequest> statistics_needed(const pot::Graph&, pot::HostServices&) override {
        return {};
    }
    void apply(pot::Graph& graph, const pot::Statistics&, pot::HostServices&) override {
        graph.name = name();
    }

private:
    std::string tag_;
};

}  // namespace fixture
