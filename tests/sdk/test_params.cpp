#include <functional>

#include <gtest/gtest.h>

#include "pot/params.hpp"

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        return e.what();
    }
    ADD_FAILURE() << "expected a pot::Error";
    return "";
}

TEST(Params, UnknownKeySuggestsTheNearestReadKey) {
    const auto message = error_of([] {
        const pot::Params p(R"({"stat_subset": 10})", "/compression/algorithms/0/params");
        p.get_int("stat_subset_size", 300);
        p.reject_unknown();
    });
    EXPECT_NE(message.find("/compression/algorithms/0/params/stat_subset"), std::string::npos);
    EXPECT_NE(message.find("did you mean 'stat_subset_size'"), std::string::npos);
}

TEST(Params, WrongTypeNamesThePath) {
    const auto message = error_of([] { pot::Params(R"({"bits": "eight"})", "/w").get_int("bits", 8); });
    EXPECT_NE(message.find("/w/bits"), std::string::npos);
}

TEST(Params, UnknownEnumValueListsTheValidOnes) {
    const auto message = error_of([] {
        pot::Params(R"({"preset": "perfomance"})").get_enum<int>("preset", 0, {{"performance", 0}, {"mixed", 1}});
    });
    EXPECT_NE(message.find("did you mean 'performance'"), std::string::npos);
    EXPECT_NE(message.find("mixed"), std::string::npos);
}

TEST(Params, CommentsAreAllowed) {
    const pot::Params p("{ // a comment\n \"a\": 1 /* more */ }");
    EXPECT_EQ(p.get_int("a", 0), 1);
}

}  // namespace
