#include <gtest/gtest.h>

#include "pot/sampling_settings.hpp"

namespace {

constexpr const char* kPath = "/compression/algorithms/0/params";

pot::SamplingSettings parse(const char* json) { return pot::parse_sampling(pot::Params(json, kPath)); }

pot::Error parse_error(const char* json) {
    try {
        parse(json);
    } catch (const pot::Error& e) {
        return e;
    }
    ADD_FAILURE() << json << " parsed without an error";
    return pot::Error(pot::ErrorKind::Runtime, "");
}

TEST(ParseSampling, DefaultsArePots) {
    const auto s = parse("{}");
    EXPECT_EQ(s.subset_size, 300u);
    EXPECT_FALSE(s.shuffle);
    EXPECT_EQ(s.seed, 0u);
}

TEST(ParseSampling, ReadsSubsetSizeShuffleAndSeed) {
    const auto s = parse(R"({"stat_subset_size": 64, "shuffle_data": true, "seed": 7})");
    EXPECT_EQ(s.subset_size, 64u);
    EXPECT_TRUE(s.shuffle);
    EXPECT_EQ(s.seed, 7u);
}

TEST(ParseSampling, ZeroSubsetSizeMeansAllSamples) {
    EXPECT_EQ(parse(R"({"stat_subset_size": 0})").subset_size, 0u);
}

TEST(ParseSampling, NegativeSubsetSizeIsAConfigErrorNamingThePath) {
    const pot::Error e = parse_error(R"({"stat_subset_size": -1})");
    EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find(
                  "/compression/algorithms/0/params/stat_subset_size: must be >= 0 (0 = all samples), got -1"),
              std::string::npos)
        << e.what();
}

TEST(ParseSampling, WrongTypesAreConfigErrors) {
    EXPECT_EQ(parse_error(R"({"shuffle_data": "yes"})").kind(), pot::ErrorKind::Config);
    EXPECT_EQ(parse_error(R"({"seed": 1.5})").kind(), pot::ErrorKind::Config);
    EXPECT_EQ(parse_error(R"({"stat_subset_size": "all"})").kind(), pot::ErrorKind::Config);
}

TEST(ParseSampling, CallerDefaultsApplyToMissingKeys) {
    const auto s = pot::parse_sampling(pot::Params(R"({"seed": 3})", kPath), {.subset_size = 10, .shuffle = true});
    EXPECT_EQ(s.subset_size, 10u);
    EXPECT_TRUE(s.shuffle);
    EXPECT_EQ(s.seed, 3u);
}

TEST(ParseSampling, ItsKeysCountAsKnown) {
    const pot::Params params(R"({"stat_subset_size": 4, "shuffle_data": false, "seed": 1})", kPath);
    pot::parse_sampling(params);
    EXPECT_NO_THROW(params.reject_unknown());
    for (const char* key : pot::kSamplingKeys) EXPECT_TRUE(params.has(key)) << key;
}

}  // namespace
