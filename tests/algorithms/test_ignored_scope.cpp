// What the shared "ignored" section keeps in float, on a small graph with a depthwise convolution,
// a residual Add and a classifier: golden node sets for every kind of region.
#include <gtest/gtest.h>

#include <set>

#include "graph_builder.hpp"
#include "ignored_scope.hpp"
#include "pot/error.hpp"

namespace {

using pot::Graph;
using pot::common::IgnoredScope;
using Names = std::set<std::string>;

// x -> c1 -> r1 -> dw (depthwise) -> r2 -> c3 (1x1) -> add(c3, r2) -> gap -> flat -> fc
Graph branchy() {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {1, 3, 8, 8});
    auto conv = [&](const std::string& in, pot::Shape w, int64_t group, const std::string& name) {
        std::map<std::string, pot::Attribute> a{{"group", group}};
        return b.node("Conv", {in, b.constant(name + ".w", pot::test::random_tensor(std::move(w), 1))}, a, name);
    };
    const auto c1 = conv(x, {4, 3, 3, 3}, 1, "c1");
    const auto r1 = b.node("Relu", {c1}, {}, "r1");
    const auto dw = conv(r1, {4, 1, 3, 3}, 4, "dw");
    const auto r2 = b.node("Relu", {dw}, {}, "r2");
    const auto c3 = conv(r2, {4, 4, 1, 1}, 1, "c3");
    const auto add = b.node("Add", {c3, r2}, {}, "add");
    const auto gap = b.node("GlobalAveragePool", {add}, {}, "gap");
    const auto flat = b.node("Flatten", {gap}, {}, "flat");
    const auto fc = b.node("Gemm", {flat, b.constant("fc.w", pot::test::random_tensor({2, 4}, 2))},
                           {{"transB", int64_t{1}}}, "fc");
    b.output(fc);
    return b.build();
}

Names resolve(const std::string& json) {
    const auto set = IgnoredScope(pot::Params(json, "/ignored")).resolve(branchy());
    return Names(set.begin(), set.end());
}

TEST(IgnoredScope, ByNameTypeAndRegex) {
    EXPECT_EQ(resolve(R"({"scope": ["r2", "fc"]})"), (Names{"r2", "fc"}));
    EXPECT_EQ(resolve(R"({"operations": [{"type": "Relu"}, "Add"]})"), (Names{"r1", "r2", "add"}));
    EXPECT_EQ(resolve(R"({"scope_regex": ["c[0-9]"]})"), (Names{"c1", "c3"}));
    EXPECT_TRUE(resolve("{}").empty());
}

TEST(IgnoredScope, FromTheInputsUpToANode) {
    EXPECT_EQ(resolve(R"({"inputs_to": ["r1"]})"), (Names{"c1", "r1"}));
    // Both paths into the Add: through c3 and the shortcut from r2.
    EXPECT_EQ(resolve(R"({"inputs_to": ["add"]})"), (Names{"c1", "r1", "dw", "r2", "c3", "add"}));
}

TEST(IgnoredScope, FromANodeToTheOutputs) {
    EXPECT_EQ(resolve(R"({"outputs_from": ["c3"]})"), (Names{"c3", "add", "gap", "flat", "fc"}));
    EXPECT_EQ(resolve(R"({"outputs_from": ["r2"]})"), (Names{"r2", "c3", "add", "gap", "flat", "fc"}));
}

TEST(IgnoredScope, BlockEndsBeforeTheNextComputeNode) {
    EXPECT_EQ(resolve(R"({"blocks": ["r1"]})"), (Names{"r1"}));
    EXPECT_EQ(resolve(R"({"blocks": ["c3"]})"), (Names{"c3", "add", "gap", "flat"}));
    // r2 feeds c3 (a compute node, left out) and, through the shortcut, the Add.
    EXPECT_EQ(resolve(R"({"blocks": ["r2"]})"), (Names{"r2", "add", "gap", "flat"}));
}

TEST(IgnoredScope, DepthwiseConvolutions) {
    EXPECT_EQ(resolve(R"({"depthwise": true})"), (Names{"dw"}));
    EXPECT_TRUE(resolve(R"({"depthwise": false})").empty());
}

TEST(IgnoredScope, UnknownNodeInARegionNamesThePath) {
    try {
        resolve(R"({"blocks": ["c3", "no_such_node"]})");
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/ignored/blocks/1"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no_such_node"), std::string::npos) << e.what();
    }
}

TEST(IgnoredScope, RejectsUnknownKeysAndBadRegex) {
    EXPECT_THROW(IgnoredScope(pot::Params(R"({"scopes": ["a"]})", "/ignored")), pot::Error);
    EXPECT_THROW(IgnoredScope(pot::Params(R"({"scope_regex": ["("]})", "/ignored")), pot::Error);
}

TEST(IgnoredScope, OverlongRegexIsAConfigErrorNamingItsPath) {
    const std::string pattern(1001, 'a');
    try {
        IgnoredScope(pot::Params(R"({"scope_regex": ["c1", ")" + pattern + R"("]})", "/ignored"));
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/ignored/scope_regex/1"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("1000"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(IgnoredScope(pot::Params(R"({"scope_regex": [")" + std::string(1000, 'a') + R"("]})", "/ignored")));
}

// x -> one Relu whose name is `name`.
Graph one_node_named(const std::string& name) {
    pot::test::GraphBuilder b;
    b.output(b.node("Relu", {b.input("x", {1, 4})}, {}, name));
    return b.build();
}

TEST(IgnoredScope, LongNodeNameIsMatchedWithoutExhaustingTheStack) {
    // std::regex recursed once per character of the name and overflowed the stack.
    const std::string name(1 << 20, 'a');
    const auto set = IgnoredScope(pot::Params(R"({"scope_regex": ["[a-z]+"]})", "/ignored"))
                         .resolve(one_node_named(name));
    EXPECT_EQ(set.count(name), 1u);
    // A capturing group repeated a million times exceeds Boost.Regex's bounded backtracking
    // memory: an error naming the pattern, not a crash.
    try {
        IgnoredScope(pot::Params(R"({"scope_regex": ["(a|b)*"]})", "/ignored")).resolve(one_node_named(name));
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("(a|b)*"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("1048576 characters"), std::string::npos) << e.what();
    }
}

TEST(IgnoredScope, RunawayMatchIsAConfigErrorNamingPatternAndNode) {
    const std::string name = std::string(64, 'a') + "!";
    try {
        IgnoredScope(pot::Params(R"({"scope_regex": ["(a*)*b"]})", "/ignored")).resolve(one_node_named(name));
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("/ignored/scope_regex/0"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("(a*)*b"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
}

TEST(IgnoredScope, OpenVinoOpTypeNamesAreReadAsOnnxOnes) {
    EXPECT_EQ(resolve(R"({"operations": [{"type": "Convolution"}]})"), (Names{"c1", "dw", "c3"}));
    const IgnoredScope scope(pot::Params(R"({"operations": ["Convolution"]})", "/ignored"));
    EXPECT_TRUE(scope.unmatched(branchy()).empty());
}

TEST(IgnoredScope, EntriesThatMatchNothingAreEachNamed) {
    const IgnoredScope scope(pot::Params(
        R"({"scope": ["c1", "conv9"], "operations": ["Relu", "Multiply", "Sigmoid"], "scope_regex": ["c[0-9]", "fc_.*"]})",
        "/ignored"));
    const auto messages = scope.unmatched(branchy());
    ASSERT_EQ(messages.size(), 4u) << testing::PrintToString(messages);
    EXPECT_NE(messages[0].find("/ignored/scope/1"), std::string::npos) << messages[0];
    EXPECT_NE(messages[0].find("'conv9'"), std::string::npos) << messages[0];
    EXPECT_NE(messages[1].find("/ignored/operations/1"), std::string::npos) << messages[1];
    EXPECT_NE(messages[1].find("no Mul node (OpenVINO's Multiply)"), std::string::npos) << messages[1];
    EXPECT_NE(messages[2].find("/ignored/operations/2"), std::string::npos) << messages[2];
    EXPECT_NE(messages[3].find("/ignored/scope_regex/1"), std::string::npos) << messages[3];
}

TEST(IgnoredScope, SkipModelKeepsEveryNodeInFloat) {
    EXPECT_EQ(resolve(R"({"skip_model": true})"), (Names{"c1", "r1", "dw", "r2", "c3", "add", "gap", "flat", "fc"}));
    EXPECT_TRUE(resolve(R"({"skip_model": false})").empty());
}

TEST(IgnoredScope, OperationsNarrowedByAttributes) {
    // POT's {"type": ..., "attributes": {name: value}}: only the nodes of that type with those values.
    EXPECT_EQ(resolve(R"({"operations": [{"type": "Conv", "attributes": {"group": 4}}]})"), (Names{"dw"}));
    EXPECT_EQ(resolve(R"({"operations": [{"type": "Convolution", "attributes": {"group": "1"}}]})"), (Names{"c1", "c3"}));
    EXPECT_EQ(resolve(R"({"operations": [{"type": "Gemm", "attributes": {"transB": 1}}]})"), (Names{"fc"}));
    EXPECT_TRUE(resolve(R"({"operations": [{"type": "Conv", "attributes": {"dilations": 2}}]})").empty());
    const IgnoredScope scope(pot::Params(R"({"operations": [{"type": "Conv", "attributes": {"group": 7}}]})", "/ignored"));
    const auto messages = scope.unmatched(branchy());
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0].find("no Conv node with the attributes {\"group\":7}"), std::string::npos) << messages[0];
    EXPECT_THROW(IgnoredScope(pot::Params(R"({"operations": [{"type": "Conv", "attributes": {"pads": [1, 1]}}]})",
                                          "/ignored")),
                 pot::Error);
}

}  // namespace
