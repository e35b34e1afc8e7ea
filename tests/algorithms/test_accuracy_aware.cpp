// AccuracyAwareQuantization: its layer reverts (golden checks on a small CNN), the ranking subset,
// the ranking itself on a model with one layer broken on purpose, and whole searches through the
// plugin: budget met, budget missed, iteration and time limits.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "annotation_free.hpp"
#include "graph_builder.hpp"
#include "layers.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/session.hpp"
#include "pot/fake_quantize_node.hpp"
#include "ranking.hpp"
#include "test_host.hpp"
#include "tuning.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;
using pot::test::VectorData;
namespace aa = pot::accuracy_aware;

size_t quantizer_count(const Graph& g) {
    return static_cast<size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), pot::is_fake_quantize));
}

bool reads_quantized(const Graph& g, const std::string& node) {
    const auto q = pot::quantizers_of(g, g.nodes.at(pot::node_index(g, node)));
    return std::any_of(q.begin(), q.end(), [](const auto& i) { return i.has_value(); });
}

class AccuracyAware : public testing::Test {
protected:
    PluginHost host_;
    Graph float_ = pot::test::small_cnn();
    VectorData data_{pot::test::random_samples(64, {1, 3, 8, 8}, 100)};

    Graph quantized(const std::string& params = R"({"weights": {"bits": 8}})") {
        Graph g = float_;
        host_.run("MinMaxQuantization", params, g, data_);
        return g;
    }
};

TEST_F(AccuracyAware, QuantizedLayersAreTheNodesReadingQuantizers) {
    const Graph g = quantized();
    const auto layers = aa::quantized_layers(g);
    for (const char* layer : {"conv1", "conv2", "fc"})
        EXPECT_NE(std::find(layers.begin(), layers.end(), layer), layers.end()) << layer;
    // Flatten reads relu2's quantizer but only moves values: no layer of its own.
    ASSERT_TRUE(reads_quantized(g, "flatten"));
    EXPECT_EQ(std::find(layers.begin(), layers.end(), "flatten"), layers.end());
    EXPECT_TRUE(aa::quantized_layers(float_).empty());
}

TEST_F(AccuracyAware, RevertingALayerTakesTheValueMovingOpsBeforeItAlong) {
    // fc reads Flatten(relu2) through a quantizer, and Flatten reads relu2's quantizer: with fc in
    // float nothing reads codes there, so Flatten reads relu2 in float and both quantizers go.
    Graph g = quantized();
    const auto removed = aa::revert_layer(g, "fc");
    EXPECT_FALSE(reads_quantized(g, "fc"));
    EXPECT_FALSE(reads_quantized(g, "flatten"));
    EXPECT_TRUE(reads_quantized(g, "conv2"));
    // fc's weight quantizer, Flatten's output quantizer and relu2's.
    EXPECT_EQ(removed.size(), 3u);
}

TEST_F(AccuracyAware, RevertingALayerRemovesTheQuantizersOnlyItRead) {
    Graph g = quantized();
    const size_t before = quantizer_count(g);
    const auto removed = aa::revert_layer(g, "conv2");
    EXPECT_FALSE(reads_quantized(g, "conv2"));
    EXPECT_TRUE(reads_quantized(g, "conv1"));
    EXPECT_TRUE(reads_quantized(g, "fc"));
    // conv2's weight quantizer and the quantizer of relu1's output, which only conv2 read.
    EXPECT_EQ(removed.size(), 2u);
    EXPECT_EQ(quantizer_count(g), before - removed.size());
    // The model still runs, and every layer reverted gives back the float model exactly.
    for (const auto& layer : aa::quantized_layers(g)) aa::revert_layer(g, layer);
    EXPECT_EQ(quantizer_count(g), 0u);
    auto reverted = host_.engine().compile(g);
    auto reference = host_.engine().compile(float_);
    const auto sample = data_.get(0);
    EXPECT_EQ(reverted->infer(sample.inputs).at(0).to_floats(), reference->infer(sample.inputs).at(0).to_floats());
}

TEST_F(AccuracyAware, ASharedQuantizerStaysWhileAnotherReaderIsQuantized) {
    // x -> FakeQuantize -> {conv_a, conv_b}: reverting conv_a rewires it to x and keeps the
    // quantizer for conv_b; reverting conv_b then removes it.
    pot::test::GraphBuilder b("shared");
    const auto x = b.input("x", {1, 2, 4, 4});
    const auto wa = b.constant("wa", pot::test::random_tensor({2, 2, 1, 1}, 1, -1, 1));
    const auto wb = b.constant("wb", pot::test::random_tensor({2, 2, 1, 1}, 2, -1, 1));
    const auto a = b.node("Conv", {x, wa}, {}, "conv_a");
    const auto c = b.node("Conv", {x, wb}, {}, "conv_b");
    const auto y = b.node("Add", {a, c}, {}, "add");
    b.output(y, {1, 2, 4, 4});
    Graph g = b.build();
    pot::FakeQuantizeParams params;
    params.levels = 256;
    params.input_low = params.output_low = {-1.0f};
    params.input_high = params.output_high = {1.0f};
    const auto fq = pot::insert_fake_quantize(g, {"x", std::nullopt, 0}, params, 4);
    EXPECT_EQ(aa::revert_layer(g, "conv_a"), std::vector<std::string>{});
    EXPECT_FALSE(reads_quantized(g, "conv_a"));
    EXPECT_TRUE(reads_quantized(g, "conv_b"));
    EXPECT_EQ(aa::revert_layer(g, "conv_b"), std::vector<std::string>{fq});
    EXPECT_EQ(quantizer_count(g), 0u);
    EXPECT_THROW(aa::revert_layer(g, "no_such_layer"), pot::Error);
}

TEST(AccuracyAwareRanking, RankingSubsetTakesTheSamplesTheQuantizationHurtMost) {
    const std::vector<size_t> indices = {10, 11, 12, 13, 14};
    const std::vector<double> fp32 = {100, 100, 0, 100, 100};
    const std::vector<double> int8 = {100, 0, 0, 0, 100};
    EXPECT_EQ(aa::ranking_subset(indices, fp32, int8, true, 2), (std::vector<size_t>{11, 13}));
    EXPECT_EQ(aa::ranking_subset(indices, fp32, int8, true, 9).size(), 5u);
    // Lower is better: a score that grew is a loss.
    EXPECT_EQ(aa::ranking_subset(indices, int8, fp32, false, 2), (std::vector<size_t>{11, 13}));
}

TEST_F(AccuracyAware, ALayerMadeToBreakAccuracyRanksFirst) {
    Graph g = quantized();
    // Squeeze conv2's weight quantizer to a tenth of its range: its weights clip.
    const auto q = pot::quantizers_of(g, g.nodes.at(pot::node_index(g, "conv2"))).at(1);
    ASSERT_TRUE(q.has_value());
    for (size_t bound = 1; bound <= 4; ++bound)
    {
        pot::Tensor& t = pot::owned_constant(g, *q, bound, "/squeezed");
        for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] *= 0.1f;
    }
    std::vector<size_t> subset(data_.size());
    for (size_t i = 0; i < subset.size(); ++i) subset[i] = i;
    pot::core::Logger logger(pot::LogLevel::Warning);
    for (const auto method : {aa::RankingMethod::Metric, aa::RankingMethod::OutputError}) {
        pot::core::Evaluator evaluator(host_.engine(), data_, float_, host_.metric());
        pot::core::Session session(host_.engine(), data_, evaluator, "CPU", logger, nullptr);
        const auto ranking = aa::rank_layers(g, aa::quantized_layers(g), subset, method, session, [] { return false; });
        ASSERT_EQ(ranking.size(), aa::quantized_layers(g).size());
        EXPECT_EQ(ranking.front().layer, "conv2") << "method " << static_cast<int>(method);
        EXPECT_GT(ranking.front().score, ranking.back().score);
    }
}

// The search through the plugin, as a pipeline runs it. 4-bit MinMax costs this random CNN a
// good share of its agreement with the float model on random inputs.
class AccuracyAwareSearch : public AccuracyAware {
protected:
    nlohmann::json search(const std::string& extra) {
        graph_ = float_;
        host_.run("AccuracyAwareQuantization",
                  R"({"base_algorithm": "MinMaxQuantization", "weights": {"bits": 4}, "activations": {"bits": 4})" +
                      extra + "}",
                  graph_, data_);
        return host_.reports().at("AccuracyAwareQuantization").at("search");
    }
    Graph graph_;
};

TEST_F(AccuracyAwareSearch, RevertsLayersUntilTheBudgetIsMet) {
    const auto r = search(R"(, "maximal_drop": 8.0)");
    const auto& steps = r.at("steps");
    ASSERT_GT(steps.at(0).at("drop").get<double>(), 8.0) << "the base quantization must miss the budget: " << r.dump(2);
    EXPECT_TRUE(r.at("met").get<bool>()) << r.dump(2);
    EXPECT_EQ(r.at("stopped_by"), "the budget is met");
    EXPECT_LE(r.at("drop").get<double>(), 8.0);
    const size_t reverted = r.at("reverted_layers").size();
    EXPECT_GE(reverted, 1u);
    EXPECT_LT(reverted, r.at("quantized_layers").get<size_t>()) << r.dump(2);
    EXPECT_EQ(aa::quantized_layers(graph_).size() + reverted, r.at("quantized_layers").get<size_t>());
    // The model left is the one the report describes: scored again, it has the reported value.
    pot::core::Evaluator evaluator(host_.engine(), data_, float_, host_.metric());
    EXPECT_DOUBLE_EQ(evaluator.evaluate(graph_, {}).value, r.at("metric").get<double>());
}

TEST_F(AccuracyAwareSearch, AnImpossibleBudgetLeavesTheBestModelFound) {
    const auto r = search(R"(, "maximal_drop": 0.0, "max_iter_num": 2, "use_prev_if_drop_increase": false)");
    EXPECT_FALSE(r.at("met").get<bool>());
    EXPECT_EQ(r.at("stopped_by"), "max_iter_num reached") << r.dump(2);
    double best = 1e9;
    for (const auto& step : r.at("steps")) best = std::min(best, step.at("drop").get<double>());
    EXPECT_DOUBLE_EQ(r.at("drop").get<double>(), best) << r.dump(2);
    pot::core::Evaluator evaluator(host_.engine(), data_, float_, host_.metric());
    EXPECT_DOUBLE_EQ(evaluator.evaluate(graph_, {}).value, r.at("metric").get<double>());
}

TEST_F(AccuracyAwareSearch, EveryBetterModelIsHandedOverAsItIsFound) {
    const auto r = search(R"(, "maximal_drop": 0.0, "max_iter_num": 3, "use_prev_if_drop_increase": false)");
    const auto& checkpoints = host_.checkpoints();
    ASSERT_FALSE(checkpoints.empty());
    // Each checkpoint improves on the one before; the last is the model the search returns.
    for (size_t i = 1; i < checkpoints.size(); ++i) {
        const auto& before = checkpoints[i - 1].summary;
        const auto& now = checkpoints[i].summary;
        const bool better = now.at("drop") < before.at("drop") ||
                            (now.at("drop") == before.at("drop") &&
                             now.at("reverted_layers").size() < before.at("reverted_layers").size());
        EXPECT_TRUE(better) << before.dump() << " then " << now.dump();
    }
    EXPECT_EQ(checkpoints.back().summary.at("drop"), r.at("drop"));
    EXPECT_EQ(checkpoints.back().summary.at("reverted_layers"), r.at("reverted_layers"));
    EXPECT_EQ(checkpoints.back().meets_target, r.at("met").get<bool>());
    EXPECT_EQ(host_.target_met(), std::optional<bool>(r.at("met").get<bool>()));
    // The plot of the steps goes with the results, under the name the report gives.
    ASSERT_EQ(host_.result_files().size(), 1u);
    EXPECT_EQ(host_.result_files()[0].first, r.at("plot"));
    EXPECT_EQ(host_.result_files()[0].second.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_F(AccuracyAwareSearch, TheTimeBudgetEndsTheSearchWithTheQuantizedModel) {
    const auto r = search(R"(, "maximal_drop": 0.0, "max_minutes": 1e-9)");
    EXPECT_FALSE(r.at("met").get<bool>());
    EXPECT_EQ(r.at("stopped_by"), "max_minutes reached");
    EXPECT_EQ(r.at("steps").size(), 1u) << r.dump(2);
    EXPECT_EQ(aa::quantized_layers(graph_).size(), r.at("quantized_layers").get<size_t>());
}

TEST(AccuracyAwareAnnotationFree, ConfidenceIsTheTopProbability) {
    EXPECT_DOUBLE_EQ(aa::confidence({0.1f, 0.7f, 0.2f}), 0.7f) << "probabilities are taken as they are";
    // Logits: softmax first. ln(3) against 0 and 0 gives 3 / (3 + 1 + 1).
    EXPECT_NEAR(aa::confidence({std::log(3.0f), 0.0f, 0.0f}), 0.6, 1e-6);
    EXPECT_NEAR(aa::confidence({-5.0f, -5.0f}), 0.5, 1e-12);
    EXPECT_EQ(aa::confidence({}), 0.0);
}

TEST_F(AccuracyAwareSearch, AnnotationFreeScoresOnlyTheSamplesTheFloatModelIsConfidentOn) {
    // The data has no labels: the host scores agreement with the float model. Threshold: the
    // median confidence of the float model, so about half of the samples are kept.
    auto model = host_.engine().compile(float_);
    std::vector<double> confidences;
    for (size_t i = 0; i < data_.size(); ++i)
        confidences.push_back(aa::confidence(model->infer(data_.get(i).inputs).at(0).to_floats()));
    std::vector<double> sorted = confidences;
    std::sort(sorted.begin(), sorted.end());
    const double threshold = sorted[sorted.size() / 2];
    const auto expected = static_cast<size_t>(
        std::count_if(confidences.begin(), confidences.end(), [&](double c) { return c > threshold; }));
    ASSERT_GT(expected, 0u);
    ASSERT_LT(expected, data_.size());
    const auto r = search(R"(, "maximal_drop": 8.0, "annotation_free": true, "annotation_conf_threshold": )" +
                          std::to_string(threshold));
    EXPECT_EQ(r.at("annotation_free_samples").get<size_t>(), expected) << r.dump(2);
    EXPECT_DOUBLE_EQ(r.at("float_metric").get<double>(), 100.0) << "the float model agrees with itself";
    // The result is scored on those samples only.
    std::vector<size_t> kept;
    for (size_t i = 0; i < confidences.size(); ++i)
        if (confidences[i] > threshold) kept.push_back(i);
    pot::core::Evaluator evaluator(host_.engine(), data_, float_, host_.metric());
    EXPECT_DOUBLE_EQ(evaluator.evaluate(graph_, kept).value, r.at("metric").get<double>());
    EXPECT_THROW(search(R"(, "annotation_free": true, "annotation_conf_threshold": 1.5)"), pot::Error);
}

TEST_F(AccuracyAwareSearch, TuneHyperparamsTriesTheRangeEstimatorsBeforeReverting) {
    const auto r = search(R"(, "maximal_drop": 0.0, "max_iter_num": 0, "tune_hyperparams": true)");
    const auto& steps = r.at("steps");
    ASSERT_EQ(steps.size(), 2u) << r.dump(2);
    EXPECT_EQ(steps.at(1).at("action"), "tune");
    // The quantized model and the 7 range estimators on the ranking subset (MinMax has no bias round).
    EXPECT_EQ(r.at("ranking_evaluations").get<size_t>(), 1u + aa::range_candidates({"MinMaxQuantization", "{}"}).size());
    // The model kept is never worse than the untuned one.
    EXPECT_LE(r.at("drop").get<double>(), steps.at(0).at("drop").get<double>());
    if (!r.at("tuned").is_null()) {
        EXPECT_LT(r.at("drop").get<double>(), steps.at(0).at("drop").get<double>());
    }
}

TEST(AccuracyAwareTuning, CandidatesChangeOneThingOfTheBaseParameters) {
    const pot::AlgorithmSpec base{"DefaultQuantization",
                                  R"({"preset": "performance", "activations": {"bits": 4, "range_estimator": {"method": "kl"}}})"};
    const auto ranges = aa::range_candidates(base);
    EXPECT_EQ(ranges.size(), 7u);
    for (const auto& c : ranges) {
        const auto params = nlohmann::json::parse(c.spec.params_json);
        EXPECT_EQ(c.spec.name, "DefaultQuantization");
        EXPECT_EQ(params.at("activations").at("bits"), 4) << c.change;
        EXPECT_TRUE(params.at("activations").at("range_estimator").contains("min")) << c.change;
        EXPECT_FALSE(params.at("activations").at("range_estimator").contains("method")) << c.change;
    }
    const auto bias = aa::bias_candidates(base);
    ASSERT_EQ(bias.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(bias[0].spec.params_json).at("use_fast_bias"), false);
    EXPECT_TRUE(aa::bias_candidates(bias[0].spec).empty()) << "already BiasCorrection";
    EXPECT_TRUE(aa::bias_candidates({"MinMaxQuantization", "{}"}).empty());
}

TEST_F(AccuracyAwareSearch, PotMetricsListGivesTheFloatBaseline) {
    // The float model agrees with itself: 100. Given as a baseline, it is not evaluated in full.
    const auto r = search(R"(, "maximal_drop": 8.0, "metrics": [{"name": "agreement", "baseline_value": 100}])");
    EXPECT_DOUBLE_EQ(r.at("float_metric").get<double>(), 100.0);
    const auto without = search(R"(, "maximal_drop": 8.0)");
    EXPECT_EQ(r.at("evaluations").get<size_t>() + 1, without.at("evaluations").get<size_t>());
    // POT's fractions on a percent metric are read as fractions (as written they would make every
    // model look better than float).
    const auto fraction = search(R"(, "maximal_drop": 8.0, "metrics": [{"name": "agreement", "baseline_value": 1.0}])");
    EXPECT_DOUBLE_EQ(fraction.at("float_metric").get<double>(), 100.0);
    EXPECT_THROW(search(R"(, "metrics": [{"name": "a"}, {"name": "b"}])"), pot::Error);
    EXPECT_THROW(search(R"(, "metrics": [{"baseline_value": 1}])"), pot::Error);
    EXPECT_THROW(search(R"(, "metrics": [{"name": "a", "threshold": 1}])"), pot::Error);
}

TEST_F(AccuracyAwareSearch, ParametersItCannotHonourAreRefused) {
    EXPECT_THROW(search(R"(, "drop_type": "percent")"), pot::Error);
    EXPECT_THROW(search(R"(, "no_such_key": 1)"), pot::Error) << "unknown keys go to the base algorithm, which refuses them";
}

}  // namespace
