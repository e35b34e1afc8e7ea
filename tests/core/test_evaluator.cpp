// Evaluator: the metric follows the data (labels: accuracy; none: agreement with the float model),
// scores come per sample, and the float model is compiled and run once however many candidates
// are compared with it.
#include <gtest/gtest.h>

#include "metrics.hpp"
#include "orchestration_fakes.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/error.hpp"

namespace pot::test {
namespace {

constexpr size_t kSamples = 10;

// An evaluator over kSamples index samples and a float model of `float_quality`, with the metric
// the job would choose for the data: accuracy with labels, agreement without.
struct EvaluatorSetup {
    EvaluatorSetup(bool labelled, float float_quality)
        : data(index_samples(kSamples, labelled)), fp32(quality_graph(float_quality)),
          evaluator(engine, data, fp32, labelled ? static_cast<Metric&>(accuracy) : agreement) {}
    QualityEngine engine{kSamples};
    VectorData data;
    Graph fp32;
    metrics::Accuracy accuracy{Params("{}")};
    metrics::SampleAgreement agreement{Params("{}")};
    core::Evaluator evaluator;
};

TEST(Evaluator, LabelledDataIsScoredByAccuracyPerSample) {
    EvaluatorSetup setup(true, 1.0f);
    auto& evaluator = setup.evaluator;
    const auto r = evaluator.evaluate(quality_graph(0.5f));
    EXPECT_EQ(r.metric, "accuracy@top1");
    EXPECT_TRUE(r.higher_is_better);
    EXPECT_DOUBLE_EQ(r.value, 50.0);
    EXPECT_EQ(r.indices, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(r.per_sample, (std::vector<double>{100, 100, 100, 100, 100, 0, 0, 0, 0, 0}));
}

TEST(Evaluator, SubsetsKeepTheirOrderAndAreChecked) {
    EvaluatorSetup setup(true, 1.0f);
    auto& evaluator = setup.evaluator;
    const auto r = evaluator.evaluate(quality_graph(0.5f), {7, 2});
    EXPECT_EQ(r.indices, (std::vector<size_t>{7, 2}));
    EXPECT_EQ(r.per_sample, (std::vector<double>{0, 100}));
    EXPECT_DOUBLE_EQ(r.value, 50.0);
    try {
        evaluator.evaluate(quality_graph(0.5f), {3, kSamples});
        FAIL() << "a sample past the end was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("has 10 samples"), std::string::npos) << e.what();
    }
}

TEST(Evaluator, ComparisonCountsFixedAndBrokenPredictions) {
    EvaluatorSetup setup(true, 0.6f);
    auto& evaluator = setup.evaluator;
    const auto c = evaluator.compare(quality_graph(0.3f));
    EXPECT_DOUBLE_EQ(c.fp32.value, 60.0);
    EXPECT_DOUBLE_EQ(c.int8.value, 30.0);
    EXPECT_DOUBLE_EQ(c.drop(), 30.0);
    ASSERT_TRUE(c.changes.has_value());
    EXPECT_EQ(c.changes->broken, 3);
    EXPECT_EQ(c.changes->fixed, 0);
    EXPECT_FALSE(c.mean_cosine.has_value());
}

TEST(Evaluator, UnlabelledDataIsScoredByAgreementWithTheFloatModel) {
    EvaluatorSetup setup(false, 1.0f);
    auto& evaluator = setup.evaluator;
    const auto c = evaluator.compare(quality_graph(0.3f));
    EXPECT_EQ(c.int8.metric, "agreement@top1");
    EXPECT_DOUBLE_EQ(c.fp32.value, 100.0) << "the float model agrees with itself";
    EXPECT_DOUBLE_EQ(c.int8.value, 30.0);
    EXPECT_EQ(c.int8.per_sample, (std::vector<double>{100, 100, 100, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_DOUBLE_EQ(c.drop(), 70.0);
    ASSERT_TRUE(c.mean_cosine.has_value());
    EXPECT_NEAR(*c.mean_cosine, 0.3, 1e-12) << "[1, 0] vs [0, 1] has cosine 0";
}

TEST(Evaluator, FloatModelIsCompiledAndRunOnceForManyCandidates) {
    for (const bool labelled : {true, false}) {
        EvaluatorSetup setup(labelled, 1.0f);
        auto& evaluator = setup.evaluator;
        auto& engine = setup.engine;
        for (float q : {0.2f, 0.5f, 0.9f}) evaluator.compare(quality_graph(q));
        evaluator.compare(quality_graph(0.5f), {1, 2, 3});  // a subset of what was run already
        EXPECT_EQ(engine.compiles[1.0f], 1) << "labelled " << labelled;
        // Labelled: the float results of each sample set are kept (one more pass for the subset).
        // Compared with the float model: its outputs are kept per sample (no second pass at all).
        EXPECT_EQ(engine.inferences[1.0f], static_cast<int>(kSamples) + (labelled ? 3 : 0)) << "labelled " << labelled;
    }
}

}  // namespace
}  // namespace pot::test
