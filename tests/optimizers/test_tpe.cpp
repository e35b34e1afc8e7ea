#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "test_host.hpp"
#include "tpe.hpp"

namespace {

using pot::SearchSpace;
using pot::Trial;
using pot::tpe::Tpe;
using pot::tpe::TpeSettings;

// Three dimensions of eight ordered levels: 512 points.
SearchSpace grid_space() {
    SearchSpace s;
    for (const char* name : {"a", "b", "c"}) {
        pot::SearchDimension d{name, {}};
        for (int i = 0; i < 8; ++i) d.choices.push_back(std::to_string(i));
        s.dimensions.push_back(d);
    }
    return s;
}

// A separable bowl with its single minimum (0) at a=5, b=2, c=6.
double bowl(const Trial& t) {
    const auto v = [&](const char* k) { return std::stod(t.choice.at(k)); };
    return std::pow(v("a") - 5, 2) + std::pow(v("b") - 2, 2) + std::pow(v("c") - 6, 2);
}

// Best score after `trials` ask/tell rounds.
double minimize(Tpe& tpe, const SearchSpace& space, int trials, const std::function<double(const Trial&)>& f) {
    double best = INFINITY;
    for (int i = 0; i < trials; ++i) {
        const Trial t = tpe.ask(space);
        const double score = f(t);
        best = std::min(best, score);
        tpe.tell(t, score);
    }
    return best;
}

TEST(Tpe, EveryTrialPicksOneListedChoicePerDimension) {
    Tpe tpe(TpeSettings{});
    const auto space = grid_space();
    for (int i = 0; i < 30; ++i) {
        const Trial t = tpe.ask(space);
        EXPECT_EQ(t.id, i);
        ASSERT_EQ(t.choice.size(), 3u);
        for (const auto& d : space.dimensions) {
            const auto& c = d.choices;
            EXPECT_NE(std::find(c.begin(), c.end(), t.choice.at(d.name)), c.end());
        }
        tpe.tell(t, bowl(t));
    }
}

TEST(Tpe, SameSeedSameTrials) {
    const auto space = grid_space();
    Tpe a(TpeSettings{}), b(TpeSettings{});
    TpeSettings other;
    other.seed = 1;
    Tpe c(other);
    bool differs = false;
    for (int i = 0; i < 25; ++i) {
        const Trial ta = a.ask(space), tb = b.ask(space), tc = c.ask(space);
        EXPECT_EQ(ta.choice, tb.choice);
        differs = differs || ta.choice != tc.choice;
        a.tell(ta, bowl(ta));
        b.tell(tb, bowl(tb));
        c.tell(tc, bowl(tc));
    }
    EXPECT_TRUE(differs);
}

TEST(Tpe, BeatsRandomSearchOnABowl) {
    // 40 trials over 512 points, ten seeds each: random search (all 40 trials in the startup
    // phase) against TPE after 10 random ones. Deterministic: the seeds fix every draw.
    const auto space = grid_space();
    double tpe_total = 0, random_total = 0;
    int tpe_found = 0;
    for (uint64_t seed = 0; seed < 10; ++seed) {
        TpeSettings s;
        s.seed = seed;
        Tpe tpe(s);
        const double best = minimize(tpe, space, 40, bowl);
        tpe_total += best;
        tpe_found += best == 0.0 ? 1 : 0;
        s.startup_trials = 1000;
        Tpe random(s);
        random_total += minimize(random, space, 40, bowl);
    }
    // Measured: TPE reaches the minimum in all ten runs; random search's best points sum to 20.
    EXPECT_LT(tpe_total, 0.25 * random_total) << "TPE " << tpe_total << ", random " << random_total;
    EXPECT_GE(tpe_found, 8) << "runs that reached the minimum";
}

TEST(Tpe, FavoursTheChoiceGoodTrialsShare) {
    // One dimension: every trial with "fast" scores 0, every other one 1. Once modelled, TPE
    // proposes "fast" nearly always.
    SearchSpace space{{{"preset", {"slow", "fast", "medium", "exact"}}}};
    TpeSettings s;
    s.startup_trials = 12;
    Tpe tpe(s);
    const auto score = [](const Trial& t) { return t.choice.at("preset") == "fast" ? 0.0 : 1.0; };
    minimize(tpe, space, 12, score);
    int fast = 0;
    for (int i = 0; i < 20; ++i) {
        const Trial t = tpe.ask(space);
        fast += t.choice.at("preset") == "fast" ? 1 : 0;
        tpe.tell(t, score(t));
    }
    EXPECT_GE(fast, 18);
    ASSERT_TRUE(tpe.best().has_value());
    EXPECT_EQ(tpe.best()->second, 0.0);
}

TEST(Tpe, MisuseIsAnError) {
    Tpe tpe(TpeSettings{});
    EXPECT_THROW(tpe.ask(SearchSpace{}), pot::Error);
    EXPECT_THROW(tpe.ask(SearchSpace{{{"x", {}}}}), pot::Error);
    EXPECT_THROW(tpe.ask(SearchSpace{{{"x", {"1"}}, {"x", {"2"}}}}), pot::Error);
    const auto space = grid_space();
    const Trial t = tpe.ask(space);
    EXPECT_THROW(tpe.tell(t, NAN), pot::Error);
    tpe.tell(t, 1.0);
    EXPECT_THROW(tpe.tell(t, 1.0), pot::Error) << "told twice";
    Trial unknown;
    unknown.id = 99;
    EXPECT_THROW(tpe.tell(unknown, 1.0), pot::Error) << "a told trial without choices";
    unknown.choice = {{"a", "1"}, {"b", "9"}, {"c", "2"}};
    EXPECT_THROW(tpe.tell(unknown, 1.0), pot::Error) << "a told trial with a choice outside the space";
    EXPECT_THROW(tpe.ask(SearchSpace{{{"a", {"0", "1"}}}}), pot::Error) << "space changed";
}

TEST(Tpe, LearnsFromTrialsItDidNotAskForAndNeverProposesThem) {
    // A resumed run tells the earlier trials before the first ask: the optimizer starts modelling
    // at once and does not propose them again.
    const auto space = grid_space();
    TpeSettings s;
    s.startup_trials = 5;
    Tpe tpe(s);
    std::set<std::map<std::string, std::string>> told;
    for (int i = 0; i < 8; ++i) {
        Trial t;
        t.id = 1000 + i;
        t.choice = {{"a", std::to_string(i)}, {"b", std::to_string(7 - i)}, {"c", "6"}};
        tpe.tell(t, bowl(t));
        told.insert(t.choice);
    }
    for (int i = 0; i < 30; ++i) {
        const Trial t = tpe.ask(space);
        EXPECT_FALSE(told.count(t.choice)) << "proposed a told trial again";
        told.insert(t.choice);
        tpe.tell(t, bowl(t));
    }
    ASSERT_TRUE(tpe.best().has_value());
    EXPECT_LE(tpe.best()->second, 1.0) << "started from the told trials' model";

    // A told trial outside the space is refused at the first ask, naming the choice.
    Tpe other(TpeSettings{});
    Trial bad;
    bad.id = -1;
    bad.choice = {{"a", "8"}, {"b", "0"}, {"c", "0"}};
    other.tell(bad, 1.0);
    try {
        other.ask(space);
        FAIL() << "a told trial outside the space was accepted";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'8' for 'a'"), std::string::npos) << e.what();
    }
}

TEST(Tpe, BadParametersNameTheirPath) {
    const auto message = [](const std::string& json) {
        try {
            Tpe tpe(pot::Params(json, "/optimizer/params"));
        } catch (const pot::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message(R"({"gamma": 1.5})").find("/optimizer/params/gamma"), std::string::npos);
    EXPECT_NE(message(R"({"n_startup_trials": 0})").find("n_startup_trials"), std::string::npos);
    EXPECT_NE(message(R"({"seeds": 3})").find("seeds"), std::string::npos);
    EXPECT_EQ(message(R"({"seed": 3, "gamma": 0.2})"), "no error");
}

TEST(Tpe, LoadsAsAPluginByName) {
    pot::test::PluginHost host;
    auto tpe = host.registry().create_optimizer("TPE", R"({"seed": 4})", "/optimizer");
    EXPECT_EQ(tpe->name(), "TPE");
    const auto space = grid_space();
    const Trial t = tpe->ask(space);
    EXPECT_EQ(t.choice.size(), 3u);
    tpe->tell(t, bowl(t));
}

}  // namespace
