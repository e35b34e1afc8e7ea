#include <cmath>
#include <iostream>
#include <memory>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fmnist_example.hpp"
#include "graph_builder.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/session.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/optimizer.hpp"
#include "quantizers.hpp"
#include "test_host.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;
using pot::test::quantizer_of;
using pot::test::quantizer_producing;
using pot::test::VectorData;

const char* const kConv1Base = "a:sym w:perchannel r:mean_min/mean_max";

// Symmetric codes put zero on code 0 (unsigned) or in the middle with one extra negative level.
bool is_symmetric(const pot::FakeQuantizeParams& fq) {
    const float low = fq.input_low[0], high = fq.input_high[0];
    return low == 0.0f || std::fabs(low + high * 128.0f / 127.0f) <= 1e-6f * std::fabs(high);
}

size_t points_of(const pot::SearchSpace& space) {
    size_t points = 1;
    for (const auto& d : space.dimensions) points *= d.choices.size();
    return points;
}

// The choice text's part that starts with `prefix` ("a:", "w:", "r:"), or "" when it has none.
std::string part_of(const std::string& choice, const std::string& prefix) {
    const auto at = choice.find(prefix);
    return at == std::string::npos ? "" : choice.substr(at, choice.find(' ', at) - at);
}

// Every FakeQuantize of `a` and `b`, in node order, with bit-identical parameters; the other
// nodes the same ops on the same values.
void expect_same_quantization(const Graph& a, const Graph& b) {
    ASSERT_EQ(a.nodes.size(), b.nodes.size());
    for (size_t i = 0; i < a.nodes.size(); ++i) {
        EXPECT_EQ(a.nodes[i].op_type, b.nodes[i].op_type) << i;
        EXPECT_EQ(a.nodes[i].name, b.nodes[i].name) << i;
        if (!pot::is_fake_quantize(a.nodes[i])) {
            EXPECT_EQ(a.nodes[i].inputs, b.nodes[i].inputs) << a.nodes[i].name;
            continue;
        }
        const auto fa = pot::read_fake_quantize(a, a.nodes[i]);
        const auto fb = pot::read_fake_quantize(b, b.nodes[i]);
        EXPECT_EQ(fa.levels, fb.levels) << a.nodes[i].name;
        EXPECT_EQ(fa.axis, fb.axis) << a.nodes[i].name;
        EXPECT_EQ(fa.input_low, fb.input_low) << a.nodes[i].name;
        EXPECT_EQ(fa.input_high, fb.input_high) << a.nodes[i].name;
        EXPECT_EQ(fa.output_low, fb.output_low) << a.nodes[i].name;
        EXPECT_EQ(fa.output_high, fb.output_high) << a.nodes[i].name;
    }
}

// TunableQuantization made through the plugin and run in a pipeline, as pot-host runs it.
class TunableQuantization : public testing::Test {
protected:
    PluginHost host_;
    Graph model_ = pot::test::small_cnn();
    VectorData data_{pot::test::random_samples(16, {1, 3, 8, 8}, 100)};
    pot::core::Logger logger_{pot::LogLevel::Warning};
    std::unique_ptr<pot::core::Evaluator> evaluator_;
    std::unique_ptr<pot::core::Session> session_;
    std::unique_ptr<pot::core::Pipeline> pipeline_;
    pot::Algorithm* algorithm_ = nullptr;
    pot::Tunable* tunable_ = nullptr;

    // Creates the algorithm for model_; the pipeline owns it.
    void make(const std::string& params) {
        evaluator_ =
            std::make_unique<pot::core::Evaluator>(host_.engine(), data_, model_, host_.metric());
        session_ = std::make_unique<pot::core::Session>(host_.engine(), data_, *evaluator_, "CPU",
                                                        logger_, nullptr);
        auto algorithm = host_.registry().create_algorithm("TunableQuantization", params,
                                                           "/compression/algorithms/0");
        algorithm_ = algorithm.get();
        tunable_ = dynamic_cast<pot::Tunable*>(algorithm.get());
        ASSERT_NE(tunable_, nullptr);
        std::vector<std::pair<std::string, pot::core::PluginPtr<pot::Algorithm>>> steps;
        steps.emplace_back("/compression/algorithms/0", std::move(algorithm));
        pipeline_ = std::make_unique<pot::core::Pipeline>(host_.registry(), std::move(steps));
    }
    pot::SearchSpace space() const { return tunable_->search_space(model_); }
    const pot::SearchDimension& dimension(const pot::SearchSpace& space,
                                          const std::string& name) const {
        for (const auto& d : space.dimensions)
            if (d.name == name) return d;
        ADD_FAILURE() << "no dimension " << name;
        return space.dimensions.at(0);
    }
    void set(const std::map<std::string, std::string>& choice) {
        pot::Trial trial;
        trial.choice = choice;
        tunable_->set_trial(trial);
    }
    Graph quantized() {
        Graph g = model_;
        pipeline_->run(g, *session_);
        return g;
    }
    std::vector<std::string> request_keys() {
        std::vector<std::string> keys;
        for (const auto& r : algorithm_->statistics_needed(model_, *session_))
            keys.push_back(r.key());
        return keys;
    }
    Graph min_max(const std::string& params) {
        Graph g = model_;
        host_.run("MinMaxQuantization", params, g, data_);
        return g;
    }
    // The message of the Config error `f` throws, or "" when it throws none.
    template <typename F>
    static std::string config_error(F&& f) {
        try {
            f();
        } catch (const pot::Error& e) {
            EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << e.what();
            return e.what();
        }
        ADD_FAILURE() << "no error";
        return "";
    }
};

TEST_F(TunableQuantization, OneDimensionPerQuantizedOpNamedAfterItsNode) {
    make("{}");
    const auto s = space();
    ASSERT_EQ(s.dimensions.size(), 3u);
    EXPECT_EQ(s.dimensions[0].name, "conv1");
    EXPECT_EQ(s.dimensions[1].name, "conv2");
    EXPECT_EQ(s.dimensions[2].name, "fc");
    for (const auto& d : s.dimensions) EXPECT_EQ(d.choices.size(), 1u) << d.name;
    EXPECT_EQ(s.dimensions[0].choices[0], kConv1Base);
}

TEST_F(TunableQuantization, ModeOffersBothActivationModesWithTheBaseFirst) {
    make(R"({"tuning_scope": ["mode"]})");
    for (const auto& d : space().dimensions) {
        ASSERT_EQ(d.choices.size(), 2u) << d.name;
        EXPECT_EQ(part_of(d.choices[0], "a:"), "a:sym");
        EXPECT_EQ(part_of(d.choices[1], "a:"), "a:asym");
    }
    EXPECT_EQ(dimension(space(), "conv1").choices[1], "a:asym w:perchannel r:mean_min/mean_max");
}

TEST_F(TunableQuantization, BaseFollowsThePreset) {
    make(R"({"preset": "mixed", "tuning_scope": ["mode"]})");
    const auto s = space();
    const auto& d = dimension(s, "conv2");
    ASSERT_EQ(d.choices.size(), 2u);
    EXPECT_EQ(d.choices[0], "a:asym w:perchannel r:mean_min/mean_max");
    EXPECT_EQ(d.choices[1], "a:sym w:perchannel r:mean_min/mean_max");
}

TEST_F(TunableQuantization, GranularityOffersPerTensorWeights) {
    make(R"({"tuning_scope": ["granularity"]})");
    for (const auto& d : space().dimensions) {
        ASSERT_EQ(d.choices.size(), 2u) << d.name;
        EXPECT_EQ(part_of(d.choices[0], "w:"), "w:perchannel");
        EXPECT_EQ(part_of(d.choices[1], "w:"), "w:pertensor");
    }
    make(R"({"tuning_scope": ["granularity"], "weights": {"granularity": "pertensor"}})");
    EXPECT_EQ(dimension(space(), "fc").choices,
              (std::vector<std::string>{"a:sym w:pertensor r:mean_min/mean_max",
                                        "a:sym w:perchannel r:mean_min/mean_max"}));
}

TEST_F(TunableQuantization, LayerAddsFloatLast) {
    make(R"({"tuning_scope": ["layer"]})");
    for (const auto& d : space().dimensions) {
        ASSERT_EQ(d.choices.size(), 2u) << d.name;
        EXPECT_EQ(d.choices[1], pot::kFloatChoice);
    }
}

TEST_F(TunableQuantization, ScopesMultiply) {
    make(R"({"tuning_scope": ["mode", "granularity", "layer"]})");
    const auto s = space();
    for (const auto& d : s.dimensions) EXPECT_EQ(d.choices.size(), 2u * 2u + 1u) << d.name;
    EXPECT_EQ(points_of(s), 125u);
    // "bits" adds nothing: the hardware configs and engines run 8-bit codes only.
    make(R"({"tuning_scope": ["mode", "bits"]})");
    EXPECT_EQ(points_of(space()), 8u);
}

struct EstimatorScopeCase {
    std::string name;
    std::string params;
    size_t choices;
};

void PrintTo(const EstimatorScopeCase& c, std::ostream* os) {
    *os << c.name << ": " << c.params;
}

class TunableQuantizationEstimators : public TunableQuantization,
                                      public testing::WithParamInterface<EstimatorScopeCase> {};

TEST_P(TunableQuantizationEstimators, RangeEstimatorChoicesFollowTheEstimatorScope) {
    make(GetParam().params);
    const bool tunes_mode = GetParam().params.find("\"mode\"") != std::string::npos;
    for (const auto& d : space().dimensions) {
        EXPECT_EQ(d.choices.size(), GetParam().choices) << d.name;
        for (const auto& c : d.choices) {
            if (!tunes_mode) {
                EXPECT_EQ(part_of(c, "a:"), "a:sym") << c;
            }
            EXPECT_EQ(part_of(c, "w:"), "w:perchannel") << c;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    EachEntry, TunableQuantizationEstimators,
    testing::Values(
        // default and quantile
        EstimatorScopeCase{
            "Preset",
            R"({"tuning_scope": ["range_estimator"], "estimator_tuning_scope": ["preset"]})", 2},
        // {mean_min, mean_quantile} x {mean_max, mean_quantile}
        EstimatorScopeCase{
            "Type", R"({"tuning_scope": ["range_estimator"], "estimator_tuning_scope": ["type"]})",
            4},
        // {mean_min, min} x {mean_max, max}
        EstimatorScopeCase{
            "Aggregator",
            R"({"tuning_scope": ["range_estimator"], "estimator_tuning_scope": ["aggregator"]})",
            4},
        // mean_min/mean_max has no quantile to vary
        EstimatorScopeCase{
            "OutlierProbWithoutQuantile",
            R"({"tuning_scope": ["range_estimator"], "estimator_tuning_scope": ["outlier_prob"]})",
            1},
        EstimatorScopeCase{
            "OutlierProbOfQuantile",
            R"({"tuning_scope": ["range_estimator"], "estimator_tuning_scope": ["outlier_prob"],
                               "activations": {"range_estimator": {"preset": "quantile"}}})",
            3},
        // 4 without a quantile, abs_max, and 5 reducer pairs with a quantile at 3 probabilities
        EstimatorScopeCase{"All", R"({"tuning_scope": ["range_estimator"]})", 20},
        EstimatorScopeCase{"AllWithMode", R"({"tuning_scope": ["range_estimator", "mode"]})", 40}),
    [](const testing::TestParamInfo<EstimatorScopeCase>& info) { return info.param.name; });

TEST_F(TunableQuantization, ChoicesDifferFromTheBaseOnlyInsideTheScope) {
    make(R"({"preset": "mixed", "tuning_scope": ["granularity", "range_estimator"],
             "estimator_tuning_scope": ["type"], "outlier_prob_choices": [0.01]})");
    const auto s = space();
    const auto& d = dimension(s, "conv1");
    const std::set<std::string> expected_ranges = {
        "r:mean_min/mean_max", "r:mean_min/mean_quantile@0.0001", "r:mean_quantile/mean_max@0.0001",
        "r:mean_quantile@0.0001"};
    std::set<std::string> ranges;
    for (const auto& c : d.choices) {
        EXPECT_EQ(part_of(c, "a:"), "a:asym") << c;  // mode is not in the scope
        ranges.insert(part_of(c, "r:"));             // nor the aggregator, nor the probability
    }
    EXPECT_EQ(ranges, expected_ranges);
    EXPECT_EQ(d.choices.size(), 2u * 4u);
}

TEST_F(TunableQuantization, TrialMakesWeightsPerTensor) {
    make(R"({"tuning_scope": ["granularity"]})");
    set({{"conv2", "a:sym w:pertensor r:mean_min/mean_max"}});
    const Graph g = quantized();
    const auto conv1 = quantizer_of(g, "conv1", 1), conv2 = quantizer_of(g, "conv2", 1);
    ASSERT_TRUE(conv1 && conv2);
    EXPECT_EQ(conv1->channels(), 4u);
    EXPECT_EQ(conv2->channels(), 1u);
    EXPECT_EQ(conv2->input_low.size(), 1u);
}

TEST_F(TunableQuantization, TrialMakesTheActivationsAnOpReadsAsymmetric) {
    make(R"({"tuning_scope": ["mode"]})");
    const Graph base = quantized();
    set({{"conv1", "a:asym w:perchannel r:mean_min/mean_max"}});
    const Graph g = quantized();
    const auto before = quantizer_of(base, "conv1", 0), after = quantizer_of(g, "conv1", 0);
    ASSERT_TRUE(before && after);
    EXPECT_TRUE(is_symmetric(*before));
    EXPECT_FALSE(is_symmetric(*after));
    EXPECT_LT(after->input_low[0], 0.0f);
    // conv2 reads relu1_out, so its choice, not conv1's, decides that quantizer.
    EXPECT_EQ(quantizer_producing(g, "relu1_out")->input_low,
              quantizer_producing(base, "relu1_out")->input_low);
}

TEST_F(TunableQuantization, FloatOpIsFedByNoQuantizerOnlyItNeeded) {
    make(R"({"tuning_scope": ["layer"]})");
    set({{"conv1", "float"}, {"fc", "float"}});
    const Graph g = quantized();
    EXPECT_FALSE(quantizer_of(g, "conv1", 0));
    EXPECT_FALSE(quantizer_of(g, "conv1", 1));
    EXPECT_FALSE(quantizer_of(g, "fc", 0));
    EXPECT_FALSE(quantizer_of(g, "fc", 1));
    // conv2 stays quantized, with the input it shares with conv1.
    EXPECT_TRUE(quantizer_of(g, "conv2", 0));
    EXPECT_TRUE(quantizer_of(g, "conv2", 1));
    expect_same_quantization(g, min_max(R"({"ignored": {"scope": ["conv1", "fc"]}})"));
}

TEST_F(TunableQuantization, StatisticsRequestsDoNotDependOnTheTrial) {
    make(R"({"tuning_scope": ["mode", "granularity", "layer", "range_estimator"]})");
    const auto before = request_keys();
    set({{"conv1", "float"}, {"conv2", "a:asym w:pertensor r:mean_quantile@0.001"}});
    EXPECT_EQ(request_keys(), before);
    quantized();  // the requests hold every statistic this trial reads
    set({{"conv2", "float"}, {"fc", "a:sym w:perchannel r:abs_max"}});
    EXPECT_EQ(request_keys(), before);
    quantized();
    // Every activation, flatten_out included (it needs a range of its own when conv2 is float).
    EXPECT_GT(before.size(), 4u * 2u);
}

class TunableQuantizationAsMinMax
    : public TunableQuantization,
      public testing::WithParamInterface<std::pair<std::string, std::string>> {};

// MinMaxQuantization's parameters: those of TunableQuantization without its own.
std::string without_tuning_keys(const std::string& params) {
    auto json = nlohmann::json::parse(params);
    json.erase("tuning_scope");
    return json.dump();
}

TEST_P(TunableQuantizationAsMinMax, QuantizesBitForBitAsMinMaxWithoutATrial) {
    make(GetParam().second);
    expect_same_quantization(quantized(), min_max(without_tuning_keys(GetParam().second)));
}

const std::pair<std::string, std::string> kMinMaxParams[] = {
    {"Defaults", "{}"},
    {"MixedQuantile",
     R"({"preset": "mixed", "activations": {"range_estimator": {"preset": "quantile"}}})"},
    {"PerTensorKl",
     R"({"weights": {"granularity": "pertensor"}, "activations": {"range_estimator": {"method": "kl"}}})"},
    // Every choice offered, none taken: still the configured quantization.
    {"WholeScopeNoTrial",
     R"({"tuning_scope": ["bits", "mode", "granularity", "range_estimator", "layer"]})"}};

INSTANTIATE_TEST_SUITE_P(Params, TunableQuantizationAsMinMax, testing::ValuesIn(kMinMaxParams),
                         [](const auto& info) { return info.param.first; });

TEST_F(TunableQuantization, EmptyScopeRequestsWhatMinMaxRequests) {
    make("{}");
    auto min_max_algorithm =
        host_.registry().create_algorithm("MinMaxQuantization", "{}", "/compression/algorithms/0");
    std::vector<std::string> expected;
    for (const auto& r : min_max_algorithm->statistics_needed(model_, *session_))
        expected.push_back(r.key());
    EXPECT_EQ(request_keys(), expected);
}

TEST_F(TunableQuantization, AfterATrialItsChoicesComeFirst) {
    make(R"({"tuning_scope": ["mode", "granularity", "layer"]})");
    set({{"conv2", "a:asym w:pertensor r:mean_min/mean_max"}, {"fc", "float"}});
    const auto s = space();
    const auto& conv2 = dimension(s, "conv2");
    ASSERT_EQ(conv2.choices.size(), 5u);
    EXPECT_EQ(conv2.choices[0], "a:asym w:pertensor r:mean_min/mean_max");
    EXPECT_EQ(std::set<std::string>(conv2.choices.begin(), conv2.choices.end()).size(), 5u);
    const auto& fc = dimension(s, "fc");
    ASSERT_EQ(fc.choices.size(), 5u);
    EXPECT_EQ(fc.choices[0], pot::kFloatChoice);
    EXPECT_EQ(fc.choices[1], "a:sym w:perchannel r:mean_min/mean_max");
    EXPECT_EQ(dimension(s, "conv1").choices[0], kConv1Base);
}

TEST_F(TunableQuantization, AfterATrialChoicesStillDifferOnlyInsideTheScope) {
    make(
        R"({"tuning_scope": ["range_estimator"], "estimator_tuning_scope": ["outlier_prob", "type"]})");
    set({{"conv1", "a:sym w:perchannel r:mean_min/mean_quantile@1e-05"}});
    const auto s = space();
    const auto& d = dimension(s, "conv1");
    EXPECT_EQ(d.choices[0], "a:sym w:perchannel r:mean_min/mean_quantile@1e-05");
    for (const auto& c : d.choices) {
        EXPECT_EQ(c.find("r:min/"), std::string::npos) << c;  // aggregator is not in the scope
        EXPECT_EQ(c.find("/max"), std::string::npos) << c;
    }
    // 1 without a quantile, 3 reducer pairs with one at 3 probabilities.
    EXPECT_EQ(d.choices.size(), 1u + 3u * 3u);
}

TEST_F(TunableQuantization, EveryChoiceTextReadsBack) {
    make(
        R"({"tuning_scope": ["mode", "granularity", "layer", "range_estimator"], "outlier_prob_choices": [0.0123456789]})");
    for (const auto& d : space().dimensions)
        for (const auto& c : d.choices) {
            EXPECT_NO_THROW(set({{d.name, c}})) << d.name << ": " << c;
            EXPECT_EQ(dimension(space(), d.name).choices[0], c);
        }
}

TEST_F(TunableQuantization, UnknownNodeIsAConfigErrorListingTheOps) {
    make(R"({"tuning_scope": ["mode"]})");
    space();
    const auto message = config_error([&] { set({{"conv9", kConv1Base}}); });
    EXPECT_NE(message.find("'conv9'"), std::string::npos) << message;
    EXPECT_NE(message.find("conv1, conv2, fc"), std::string::npos) << message;
}

TEST_F(TunableQuantization, BadChoiceIsAConfigErrorNamingNodeChoiceAndAllowed) {
    make(R"({"tuning_scope": ["mode"]})");
    space();
    auto message = config_error([&] { set({{"conv2", "a:maybe"}}); });
    EXPECT_NE(message.find("'conv2'"), std::string::npos) << message;
    EXPECT_NE(message.find("'a:maybe'"), std::string::npos) << message;
    EXPECT_NE(message.find("allowed: a:sym w:perchannel r:mean_min/mean_max, a:asym w:perchannel"),
              std::string::npos)
        << message;
    // Well formed, but granularity is not in the scope.
    message = config_error([&] { set({{"conv2", "a:sym w:pertensor r:mean_min/mean_max"}}); });
    EXPECT_NE(message.find("does not offer"), std::string::npos) << message;
    // A rejected trial leaves the last good one in place.
    set({{"conv2", "a:asym w:perchannel r:mean_min/mean_max"}});
    config_error([&] { set({{"conv2", "float"}}); });
    EXPECT_EQ(dimension(space(), "conv2").choices[0], "a:asym w:perchannel r:mean_min/mean_max");
}

TEST_F(TunableQuantization, BadTrialBeforeTheSpaceFailsWhenTheModelIsSeen) {
    make(R"({"tuning_scope": ["layer"]})");
    set({{"conv7", "float"}});
    const auto message = config_error([&] { request_keys(); });
    EXPECT_NE(message.find("'conv7'"), std::string::npos) << message;
}

TEST_F(TunableQuantization, BadTuningParametersAreConfigErrorsNamingTheirPath) {
    const auto create = [&](const std::string& params) {
        return config_error(
            [&] { host_.registry().create_algorithm("TunableQuantization", params, "/a"); });
    };
    auto message = create(R"({"tuning_scope": ["mode", "bitz"]})");
    EXPECT_NE(message.find("/tuning_scope/1"), std::string::npos) << message;
    EXPECT_NE(message.find("'bitz'"), std::string::npos) << message;
    EXPECT_NE(message.find("did you mean 'bits'"), std::string::npos) << message;
    message = create(R"({"estimator_tuning_scope": ["kind"]})");
    EXPECT_NE(message.find("/estimator_tuning_scope/0"), std::string::npos) << message;
    message = create(R"({"outlier_prob_choices": [0.001, 0.5]})");
    EXPECT_NE(message.find("/outlier_prob_choices/1"), std::string::npos) << message;
    message = create(
        R"({"tuning_scope": ["range_estimator"], "activations": {"range_estimator": {"method": "kl"}}})");
    EXPECT_NE(message.find("/tuning_scope/0"), std::string::npos) << message;
    message = create(R"({"tuning_scopes": ["mode"]})");
    EXPECT_NE(message.find("did you mean 'tuning_scope'"), std::string::npos) << message;
}

TEST(TunableQuantizationShared, ConcatInputsShareAnAsymmetricRangeWhenOneOpAsksForIt) {
    // Concat is no quantized op: each input follows the Conv that makes it, and the two must
    // share one grid for the cpu engine's INT8 concat.
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto a = b.node("Conv", {x, b.constant("wa", pot::test::random_tensor({2, 2, 1, 1}, 3))},
                          {}, "conv_a");
    const auto c = b.node("Conv", {x, b.constant("wb", pot::test::random_tensor({2, 2, 1, 1}, 4))},
                          {}, "conv_b");
    const auto cat = b.node("Concat", {a, c}, {{"axis", int64_t{1}}}, "concat");
    b.output(b.node("Sigmoid", {cat}, {}, "sigmoid"));
    const Graph model = b.build();
    VectorData data(pot::test::random_samples(8, {1, 2, 4, 4}, 9));
    PluginHost host;
    pot::core::Logger logger(pot::LogLevel::Warning);
    pot::core::Evaluator evaluator(host.engine(), data, model, host.metric());
    pot::core::Session session(host.engine(), data, evaluator, "CPU", logger, nullptr);
    pot::core::Pipeline pipeline(
        host.registry(), {{"TunableQuantization", R"({"tuning_scope": ["mode"]})", "/c/0"}});
    auto* tunable = pipeline.tunables().at(0).tunable;
    const auto space = tunable->search_space(model);
    ASSERT_EQ(space.dimensions.size(), 2u);
    pot::Trial trial;
    trial.choice = {{"conv_a", "a:asym w:perchannel r:mean_min/mean_max"}};
    tunable->set_trial(trial);
    Graph g = model;
    pipeline.run(g, session);
    const auto fa = quantizer_producing(g, a), fb = quantizer_producing(g, c);
    ASSERT_TRUE(fa && fb);
    EXPECT_EQ(fa->input_low, fb->input_low);
    EXPECT_EQ(fa->input_high, fb->input_high);
    EXPECT_FALSE(is_symmetric(*fb));
}

TEST(TunableQuantizationTargets, TrialUnderATargetThatQuantizesOtherOpsNamesTheParameterToSet) {
    // CPU quantizes the residual Add, ANY does not: the space for one fits no trial of the other.
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto c =
        b.node("Conv", {x, b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3))}, {}, "conv");
    b.output(b.node("Add", {c, b.node("Sigmoid", {x}, {}, "sigmoid")}, {}, "add"));
    const Graph model = b.build();
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
    PluginHost host("reference", "ANY");
    pot::core::Logger logger(pot::LogLevel::Warning);
    pot::core::Evaluator evaluator(host.engine(), data, model, host.metric());
    pot::core::Session session(host.engine(), data, evaluator, "ANY", logger, nullptr);
    const auto run = [&](const std::string& params, bool tell_device = false) {
        pot::core::Pipeline pipeline(host.registry(), {{"TunableQuantization", params, "/c/0"}});
        auto* tunable = pipeline.tunables().at(0).tunable;
        // What a tuning run does before asking for the space.
        if (tell_device) dynamic_cast<pot::TargetDeviceAware&>(*tunable).set_target_device("ANY");
        pot::Trial trial;
        for (const auto& d : tunable->search_space(model).dimensions)
            trial.choice[d.name] = d.choices.back();
        tunable->set_trial(trial);
        Graph g = model;
        pipeline.run(g, session);
        return trial.choice.size();
    };
    try {
        run(R"({"tuning_scope": ["layer"]})");
        FAIL() << "no error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("set params.target_device to \"ANY\""),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(run(R"({"tuning_scope": ["layer"], "target_device": "ANY"})"), 1u);
    EXPECT_EQ(run(R"({"tuning_scope": ["layer"]})", true), 1u) << "the host's target device, told";
}

TEST(TunableQuantizationFmnist, CnnSearchSpaceHasAtLeast200Points) {
    PluginHost host;
    const Graph model = pot::core::load_onnx(pot::test::fmnist_example_dir() / "fmnist_cnn.onnx");
    pot::core::Pipeline pipeline(
        host.registry(),
        {{"TunableQuantization",
          R"({"tuning_scope": ["mode", "granularity", "layer", "range_estimator"]})", "/c/0"}});
    const auto space = pipeline.tunables().at(0).tunable->search_space(model);
    double points = 1;
    std::string sizes;
    for (const auto& d : space.dimensions) {
        points *= static_cast<double>(d.choices.size());
        sizes += " " + d.name + ":" + std::to_string(d.choices.size());
    }
    std::cout << "fmnist_cnn.onnx: " << space.dimensions.size() << " dimensions (" << sizes
              << " ), " << points << " points\n";
    EXPECT_GE(space.dimensions.size(), 3u);
    EXPECT_GE(points, 200.0);
}

}  // namespace
