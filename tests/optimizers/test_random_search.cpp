// RandomSearch: uniform draws over the choices, no repeats while unasked points remain likely,
// deterministic per seed, told trials never proposed again.
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "grid_search.hpp"
#include "random_search.hpp"
#include "test_host.hpp"

namespace {

using pot::SearchSpace;
using pot::Trial;
using pot::random_search::RandomSearch;

SearchSpace small_space() {
    return SearchSpace{{{"a", {"0", "1", "2"}}, {"b", {"x", "y"}}, {"c", {"p", "q", "r", "s"}}}};  // 24 points
}

TEST(RandomSearch, SameSeedSameTrialsAndOtherSeedsDiffer) {
    const auto space = small_space();
    RandomSearch a(7), b(7), c(8);
    bool differs = false;
    for (int i = 0; i < 20; ++i) {
        const Trial ta = a.ask(space), tb = b.ask(space), tc = c.ask(space);
        EXPECT_EQ(ta.choice, tb.choice);
        EXPECT_EQ(ta.id, i);
        differs = differs || ta.choice != tc.choice;
        a.tell(ta, 1.0);
        b.tell(tb, 1.0);
        c.tell(tc, 1.0);
    }
    EXPECT_TRUE(differs);
}

TEST(RandomSearch, CoversASmallSpaceWithoutRepeatsAndNeverProposesToldTrials) {
    const auto space = small_space();
    RandomSearch search(3);
    std::set<std::map<std::string, std::string>> seen;
    Trial told;
    told.id = -1;
    told.choice = {{"a", "0"}, {"b", "x"}, {"c", "p"}};
    search.tell(told, 2.0);
    seen.insert(told.choice);
    for (int i = 0; i < 23; ++i) {
        const Trial t = search.ask(space);
        EXPECT_TRUE(seen.insert(t.choice).second) << "trial " << i << " repeats a point";
        search.tell(t, 1.0);
    }
    EXPECT_EQ(seen.size(), 24u) << "every point once";
    // The space is exhausted: asking again still answers, with a repeat.
    const Trial extra = search.ask(space);
    EXPECT_EQ(extra.choice.size(), 3u);
}

TEST(RandomSearch, MisuseAndBadParametersAreErrors) {
    RandomSearch search(0);
    EXPECT_THROW(search.ask(SearchSpace{}), pot::Error);
    EXPECT_THROW(search.ask(SearchSpace{{{"x", {}}}}), pot::Error);
    const Trial t = search.ask(small_space());
    EXPECT_THROW(search.tell(t, NAN), pot::Error);
    try {
        RandomSearch bad(pot::Params(R"({"seed": -1})", "/optimizer/params"));
        FAIL() << "a negative seed was accepted";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/optimizer/params/seed"), std::string::npos) << e.what();
    }
    EXPECT_THROW(RandomSearch(pot::Params(R"({"gamma": 0.2})", "/optimizer/params")), pot::Error);
}

TEST(RandomSearch, LoadsAsAPluginByNameInAnyCase) {
    pot::test::PluginHost host;
    auto search = host.registry().create_optimizer("randomsearch", R"({"seed": 4})", "/optimizer");
    EXPECT_EQ(search->name(), "RandomSearch");
    auto tpe = host.registry().create_optimizer("Tpe", "{}", "/optimizer");
    EXPECT_EQ(tpe->name(), "TPE") << "POT's spelling";
}

TEST(GridSearch, WalksEveryPointOnceSkippingToldOnesThenStartsOver) {
    const auto space = small_space();
    pot::grid_search::GridSearch grid;
    Trial told;
    told.id = -1;
    told.choice = {{"a", "0"}, {"b", "x"}, {"c", "p"}};  // the first point
    grid.tell(told, 1.0);
    std::set<std::map<std::string, std::string>> seen{told.choice};
    const Trial first = grid.ask(space);
    EXPECT_EQ(first.choice, (std::map<std::string, std::string>{{"a", "0"}, {"b", "x"}, {"c", "q"}}))
        << "the last dimension varies fastest; the told point is skipped";
    seen.insert(first.choice);
    grid.tell(first, 1.0);
    for (int i = 0; i < 22; ++i) {
        const Trial t = grid.ask(space);
        EXPECT_TRUE(seen.insert(t.choice).second);
        grid.tell(t, 1.0);
    }
    EXPECT_EQ(seen.size(), 24u);
    EXPECT_EQ(grid.ask(space).choice, told.choice) << "after the last point it starts over";
}

}  // namespace
