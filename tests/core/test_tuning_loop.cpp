// TuningLoop: every trial the optimizer proposes is quantized and scored against the float model,
// the optimizer is told each score, and afterwards the pipeline writes the best trial's model.
#include <gtest/gtest.h>

#include "metrics.hpp"
#include "orchestration_fakes.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/session.hpp"
#include "pot/core/tuning_loop.hpp"
#include "pot/error.hpp"

namespace pot::test {
namespace {

constexpr size_t kSamples = 10;

class TuningLoopTest : public testing::Test {
protected:
    core::Registry registry_;
    QualityEngine engine_{kSamples};
    VectorData data_ = index_samples(kSamples, true);
    const Graph fp32_ = quality_graph(1.0f);
    metrics::Accuracy accuracy_{Params("{}")};
    core::Evaluator evaluator_{engine_, data_, fp32_, accuracy_};
    core::Logger logger_{LogLevel::Warning};
    core::Session session_{engine_, data_, evaluator_, "CPU", logger_, nullptr};

    core::Pipeline knob_pipeline() {
        std::vector<std::pair<std::string, core::PluginPtr<Algorithm>>> algorithms;
        algorithms.emplace_back("/compression/algorithms/0", make_knob());
        return core::Pipeline(registry_, std::move(algorithms));
    }
};

TEST_F(TuningLoopTest, ScoresEveryTrialAndLeavesTheBestOneSet) {
    auto pipeline = knob_pipeline();
    ScriptedOptimizer optimizer({"0.2", "0.9", "0.5"});
    core::TuningLoop loop(pipeline, optimizer, evaluator_, logger_);
    const auto outcome = loop.run(fp32_, session_, 3, 0);

    ASSERT_EQ(optimizer.told.size(), 3u);
    EXPECT_EQ(optimizer.told[0].first.at("QualityKnob/quality"), "0.2");
    EXPECT_DOUBLE_EQ(optimizer.told[0].second, 80.0) << "accuracy drop from 100% to 20%";
    EXPECT_DOUBLE_EQ(optimizer.told[1].second, 10.0);
    EXPECT_DOUBLE_EQ(optimizer.told[2].second, 50.0);
    EXPECT_EQ(outcome.best.trial.choice.at("QualityKnob/quality"), "0.9");
    EXPECT_DOUBLE_EQ(outcome.best.score, 10.0);
    EXPECT_EQ(outcome.samples, kSamples);
    EXPECT_EQ(outcome.report().at("trials").size(), 3u);

    // The run after tuning, which the job writes, is the best trial's model.
    Graph written = fp32_;
    pipeline.run(written, session_);
    EXPECT_FLOAT_EQ(quality_of(written), 0.9f);
}

TEST_F(TuningLoopTest, ScoresOnTheFirstEvaluationSamplesOnly) {
    auto pipeline = knob_pipeline();
    ScriptedOptimizer optimizer({"0.5"});
    core::TuningLoop loop(pipeline, optimizer, evaluator_, logger_);
    const auto outcome = loop.run(fp32_, session_, 1, 4);
    EXPECT_EQ(outcome.samples, 4u);
    // Samples 0-3 are all below 0.5 * 10: no drop on them.
    EXPECT_DOUBLE_EQ(outcome.best.score, 0.0);
    EXPECT_EQ(engine_.inferences[0.5f], 4);
}

TEST_F(TuningLoopTest, ATunableFailureNamesTheAlgorithmAndTheCall) {
    auto pipeline = knob_pipeline();
    ScriptedOptimizer optimizer({"0.7"});
    core::TuningLoop loop(pipeline, optimizer, evaluator_, logger_);
    try {
        loop.run(fp32_, session_, 1, 0);
        FAIL() << "an invalid choice was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("QualityKnob set_trial: no quality 0.7"), std::string::npos)
            << e.what();
    }
}

TEST_F(TuningLoopTest, APipelineWithoutTunablesIsAConfigError) {
    core::Pipeline empty(registry_, std::vector<core::AlgorithmConfig>{});
    ScriptedOptimizer optimizer({"0.5"});
    core::TuningLoop loop(empty, optimizer, evaluator_, logger_);
    try {
        loop.run(fp32_, session_, 1, 0);
        FAIL() << "tuning without tunables ran";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
    }
}

}  // namespace
}  // namespace pot::test
