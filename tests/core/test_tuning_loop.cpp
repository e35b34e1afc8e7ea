// TuningLoop: the base configuration and every trial the optimizer proposes are quantized and
// scored with POT's loss against the float model, written to the trial log, and afterwards the
// pipeline makes the best trial's model; runs resume, refine or replay a log.
#include <fstream>

#include <gtest/gtest.h>

#include "metrics.hpp"
#include "orchestration_fakes.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/session.hpp"
#include "pot/core/tuning_loop.hpp"
#include "pot/error.hpp"
#include "temp_dir.hpp"

namespace pot::test {
namespace {

constexpr size_t kSamples = 10;
constexpr const char* kDim = "QualityKnob/quality";

// Accuracy only: no latency is measured, so every score is exact.
core::TuningSettings accuracy_only(int64_t max_trials) {
    core::TuningSettings s;
    s.max_trials = max_trials;
    s.targets.latency_weight = 0;
    s.targets.accuracy_loss = 5;  // percent
    return s;
}

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
    TempDir dir_;
    const std::filesystem::path log_ = dir_ / "model.trials.jsonl";

    core::Pipeline knob_pipeline() {
        std::vector<std::pair<std::string, core::PluginPtr<Algorithm>>> algorithms;
        algorithms.emplace_back("/compression/algorithms/0", make_knob());
        return core::Pipeline(registry_, std::move(algorithms));
    }
    core::TuningOutcome tune(std::vector<std::string> script, const core::TuningSettings& settings,
                             ScriptedOptimizer* seen = nullptr) {
        auto pipeline = knob_pipeline();
        ScriptedOptimizer own(std::move(script));
        ScriptedOptimizer& optimizer = seen ? *seen : own;
        core::TuningLoop loop(pipeline, optimizer, evaluator_, logger_);
        return loop.run(fp32_, session_, settings, log_);
    }
};

TEST_F(TuningLoopTest, ScoresTheBaseAndEveryTrialAndLeavesTheBestOneSet) {
    auto pipeline = knob_pipeline();
    ScriptedOptimizer optimizer({"0.5", "0.9", "0.2"});
    core::TuningLoop loop(pipeline, optimizer, evaluator_, logger_);
    const auto outcome = loop.run(fp32_, session_, accuracy_only(4), log_);

    // The base configuration (each dimension's first choice, 0.2) is told first, then each ask.
    ASSERT_EQ(optimizer.told.size(), 4u);
    EXPECT_EQ(optimizer.told[0].first.at(kDim), "0.2");
    EXPECT_EQ(optimizer.told[1].first.at(kDim), "0.5");
    ASSERT_EQ(outcome.trials.size(), 4u);
    EXPECT_DOUBLE_EQ(outcome.trials[0].measurement.accuracy_loss, 0.8) << "accuracy from 100% to 20%";
    EXPECT_DOUBLE_EQ(outcome.trials[1].measurement.accuracy_loss, 0.5);
    EXPECT_DOUBLE_EQ(outcome.trials[2].measurement.accuracy_loss, 0.1);
    // The third ask repeats the base: reused, not run again.
    ASSERT_TRUE(outcome.trials[3].repeat_of.has_value());
    EXPECT_EQ(*outcome.trials[3].repeat_of, 0u);
    EXPECT_EQ(engine_.compiles[0.2f], 1);
    EXPECT_EQ(outcome.best, 2u);
    EXPECT_EQ(outcome.best_trial().trial.choice.at(kDim), "0.9");
    EXPECT_FALSE(outcome.meets_targets) << "a 10% loss misses the 5% target";
    EXPECT_EQ(outcome.stopped_by, "max_trials");
    // Losses order as the accuracy losses (all miss the target: penalty plus the accuracy term).
    EXPECT_LT(outcome.trials[2].loss, outcome.trials[1].loss);
    EXPECT_LT(outcome.trials[1].loss, outcome.trials[0].loss);
    EXPECT_DOUBLE_EQ(optimizer.told[2].second, outcome.trials[2].loss);

    // The run after tuning, which the job writes, is the best trial's model.
    Graph written = fp32_;
    pipeline.run(written, session_);
    EXPECT_FLOAT_EQ(quality_of(written), 0.9f);

    // The log holds the header and every trial.
    const auto content = core::TrialLog::read(log_);
    EXPECT_EQ(content.trials.size(), 4u);
    EXPECT_EQ(content.header.space.dimensions.at(0).name, kDim);
    EXPECT_DOUBLE_EQ(content.header.fp32_metric, 100.0);
    EXPECT_FALSE(content.header.fp32_latency_ms.has_value());
    EXPECT_DOUBLE_EQ(content.trials[2].loss, outcome.trials[2].loss);
}

TEST_F(TuningLoopTest, ScoresOnTheFirstEvaluationSamplesOnly) {
    auto settings = accuracy_only(1);
    settings.eval_subset_size = 4;
    const auto outcome = tune({"0.5"}, settings);
    EXPECT_EQ(outcome.header.eval_samples, 4u);
    // Samples 0-3: quality 0.2 gets 0 and 1 right (2 of 4).
    EXPECT_DOUBLE_EQ(outcome.trials[0].measurement.accuracy_loss, 0.5);
    EXPECT_EQ(engine_.inferences[0.2f], 4);
}

TEST_F(TuningLoopTest, ABaselineValueReplacesTheFloatMeasurement) {
    auto settings = accuracy_only(1);
    settings.baseline_value = 40.0;
    const auto outcome = tune({"0.5"}, settings);
    EXPECT_DOUBLE_EQ(outcome.header.fp32_metric, 40.0);
    EXPECT_DOUBLE_EQ(outcome.trials[0].measurement.accuracy_loss, 0.5) << "20% against a baseline of 40%";
    EXPECT_EQ(engine_.inferences[1.0f], 0) << "the float model was not run";
}

TEST_F(TuningLoopTest, WarmStartContinuesTheLogAndTellsTheOptimizerFirst) {
    tune({"0.5"}, accuracy_only(2));
    ASSERT_EQ(core::TrialLog::read(log_).trials.size(), 2u);
    const int compiles_before = engine_.compiles[0.5f];

    auto settings = accuracy_only(4);
    settings.load_method = core::TrialsLoadMethod::WarmStart;
    ScriptedOptimizer optimizer({"0.9", "0.5"});
    const auto outcome = tune({}, settings, &optimizer);
    EXPECT_EQ(outcome.resumed, 2u);
    ASSERT_EQ(outcome.trials.size(), 4u);
    // The earlier two trials come first, then the two new asks.
    ASSERT_EQ(optimizer.told.size(), 4u);
    EXPECT_EQ(optimizer.told[0].first.at(kDim), "0.2");
    EXPECT_EQ(optimizer.told[1].first.at(kDim), "0.5");
    EXPECT_EQ(optimizer.told[2].first.at(kDim), "0.9");
    EXPECT_EQ(*outcome.trials[3].repeat_of, 1u) << "0.5 was scored by the earlier run";
    EXPECT_EQ(engine_.compiles[0.5f], compiles_before);
    EXPECT_EQ(outcome.best_trial().trial.choice.at(kDim), "0.9");
    EXPECT_EQ(core::TrialLog::read(log_).trials.size(), 4u);
}

TEST_F(TuningLoopTest, WarmStartRefusesALogScoredOnOtherSamples) {
    tune({"0.5"}, accuracy_only(1));
    auto settings = accuracy_only(2);
    settings.load_method = core::TrialsLoadMethod::WarmStart;
    settings.eval_subset_size = 4;
    try {
        tune({"0.5"}, settings);
        FAIL() << "resumed trials scored on other samples";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("scored on 10 evaluation samples"), std::string::npos) << e.what();
    }
}

TEST_F(TuningLoopTest, WarmStartWithoutALogStartsAfresh) {
    auto settings = accuracy_only(2);
    settings.load_method = core::TrialsLoadMethod::WarmStart;
    const auto outcome = tune({"0.9"}, settings);
    EXPECT_EQ(outcome.resumed, 0u);
    EXPECT_EQ(outcome.trials.size(), 2u);
}

TEST_F(TuningLoopTest, EvalTakesTheBestTrialOfTheLogWithoutRunningAny) {
    tune({"0.9", "0.5"}, accuracy_only(3));
    const auto inferences = engine_.inferences;

    auto settings = accuracy_only(3);
    settings.load_method = core::TrialsLoadMethod::Eval;
    auto pipeline = knob_pipeline();
    ScriptedOptimizer optimizer({"0.5"});
    core::TuningLoop loop(pipeline, optimizer, evaluator_, logger_);
    const auto outcome = loop.run(fp32_, session_, settings, log_);
    EXPECT_EQ(outcome.stopped_by, "eval");
    EXPECT_EQ(outcome.best_trial().trial.choice.at(kDim), "0.9");
    EXPECT_EQ(engine_.inferences, inferences);
    Graph written = fp32_;
    pipeline.run(written, session_);
    EXPECT_FLOAT_EQ(quality_of(written), 0.9f);
}

TEST_F(TuningLoopTest, EvalWithoutALogIsAConfigErrorNamingIt) {
    auto settings = accuracy_only(3);
    settings.load_method = core::TrialsLoadMethod::Eval;
    try {
        tune({"0.5"}, settings);
        FAIL() << "eval ran without a log";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find(log_.string()), std::string::npos) << e.what();
    }
}

TEST_F(TuningLoopTest, FineTuneStartsANewLogFromTheBestTrial) {
    tune({"0.9"}, accuracy_only(2));
    auto settings = accuracy_only(2);
    settings.load_method = core::TrialsLoadMethod::FineTune;
    const auto outcome = tune({"0.5"}, settings);
    EXPECT_EQ(outcome.header.fine_tuned_from.at("choice").at(kDim), "0.9");
    EXPECT_EQ(outcome.resumed, 0u);
    EXPECT_EQ(core::TrialLog::read(log_).trials.size(), 2u) << "a new log";
}

TEST_F(TuningLoopTest, StopsWhenAskedAfterTheCurrentTrialAndKeepsTheBest) {
    int asked = 0;
    session_.offer_search(registry_, [&] { return ++asked > 2; });
    const auto outcome = tune({"0.9", "0.5", "0.5"}, accuracy_only(10));
    EXPECT_EQ(outcome.stopped_by, "interrupted");
    EXPECT_EQ(outcome.trials.size(), 3u);
    EXPECT_EQ(outcome.best_trial().trial.choice.at(kDim), "0.9");
}

TEST_F(TuningLoopTest, StopsAtTheTimeLimit) {
    auto settings = accuracy_only(10);
    settings.max_minutes = 1e-9;
    const auto outcome = tune({"0.9"}, settings);
    EXPECT_EQ(outcome.stopped_by, "max_minutes");
    EXPECT_EQ(outcome.trials.size(), 1u) << "the base trial always runs";
}

TEST_F(TuningLoopTest, StopsOnTargetOnceATrialMeetsIt) {
    auto settings = accuracy_only(10);
    settings.targets.accuracy_loss = 15;
    settings.stop_on_target = true;
    const auto outcome = tune({"0.5", "0.9", "0.5"}, settings);
    EXPECT_EQ(outcome.stopped_by, "stop_on_target");
    EXPECT_EQ(outcome.trials.size(), 3u);
    EXPECT_TRUE(outcome.meets_targets);
}

TEST_F(TuningLoopTest, CheckpointsEachNewBestModel) {
    std::vector<float> saved;
    std::vector<bool> met;
    session_.on_checkpoint([&](const Graph& model, bool meets, const nlohmann::json& summary) {
        saved.push_back(quality_of(model));
        met.push_back(meets);
        EXPECT_EQ(summary.at("trial_log"), log_.string());
    });
    auto settings = accuracy_only(4);
    settings.targets.accuracy_loss = 15;
    tune({"0.5", "0.9", "0.5"}, settings);
    EXPECT_EQ(saved, (std::vector<float>{0.2f, 0.5f, 0.9f}));
    EXPECT_EQ(met, (std::vector<bool>{false, false, true}));
    EXPECT_EQ(session_.target_met(), true);
}

TEST_F(TuningLoopTest, MeasuresLatencyOncePerModelStructure) {
    auto settings = accuracy_only(3);
    settings.targets.latency_weight = 1;
    settings.benchmark = BenchmarkOptions{1, 3, 0, {}};
    const auto outcome = tune({"0.5", "0.9"}, settings);
    ASSERT_TRUE(outcome.header.fp32_latency_ms.has_value());
    // The knob changes a constant's value only: every trial has the float model's structure.
    for (const auto& t : outcome.trials) {
        ASSERT_TRUE(t.latency_ms.has_value());
        EXPECT_EQ(*t.latency_ms, *outcome.header.fp32_latency_ms);
        EXPECT_EQ(t.measurement.latency_ratio, 1.0);
    }
}

TEST_F(TuningLoopTest, ATunableFailureNamesTheAlgorithmAndTheCall) {
    try {
        tune({"0.7"}, accuracy_only(2));
        FAIL() << "an invalid choice was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'0.7' for 'QualityKnob/quality'"), std::string::npos) << e.what();
    }
}

TEST_F(TuningLoopTest, APipelineWithoutTunablesIsAConfigError) {
    core::Pipeline empty(registry_, std::vector<core::AlgorithmConfig>{});
    ScriptedOptimizer optimizer({"0.5"});
    core::TuningLoop loop(empty, optimizer, evaluator_, logger_);
    try {
        loop.run(fp32_, session_, accuracy_only(1), log_);
        FAIL() << "tuning without tunables ran";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
    }
}

core::TrialLogHeader one_dimension_header() {
    core::TrialLogHeader header;
    header.optimizer = "TPE";
    header.space.dimensions.push_back({"a", {"x", "y"}});
    header.metric = "accuracy";
    header.fp32_metric = 90;
    header.eval_samples = 10;
    header.scales = {{"accuracy_min", 1}, {"accuracy_scale", 2}, {"latency_min", 3}, {"latency_scale", 4}};
    return header;
}

TEST(TrialLog, ACutShortLastLineIsSkippedAndABadOneInTheMiddleNamesItsLine) {
    TempDir dir;
    const auto file = dir / "t.jsonl";
    {
        core::TrialLog log(file, one_dimension_header());
        core::TrialRecord r;
        r.trial.choice["a"] = "y";
        r.metric = 80;
        log.append(r);
    }
    {
        std::ofstream out(file, std::ios::app);
        out << R"({"trial": 1, "choice": {"a": "x"}, "met)";
    }
    auto content = core::TrialLog::read(file);
    EXPECT_TRUE(content.truncated_tail);
    ASSERT_EQ(content.trials.size(), 1u);
    EXPECT_EQ(content.trials[0].trial.choice.at("a"), "y");
    EXPECT_DOUBLE_EQ(content.trials[0].metric, 80);

    {
        std::ofstream out(file, std::ios::app);
        out << "\n" << R"({"trial": 2, "choice": {"a": "z"}})" << "\n";
    }
    try {
        core::TrialLog::read(file);
        FAIL() << "a broken middle line was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find(file.string() + ":3"), std::string::npos) << e.what();
    }
}

TEST(TrialLog, AChoiceOutsideTheSpaceIsRefused) {
    TempDir dir;
    const auto file = dir / "t.jsonl";
    {
        core::TrialLog log(file, one_dimension_header());
        core::TrialRecord r;
        r.trial.choice["a"] = "z";
        log.append(r);
    }
    try {
        core::TrialLog::read(file);
        FAIL() << "a choice outside the space was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'z' is not a choice of 'a'"), std::string::npos) << e.what();
    }
}

TEST(TrialLog, AHeaderWithWronglyTypedFieldsIsAnInputError) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"format": 7, "version": 1})", "not a trial log"},
        {R"({"format": "pot-trial-log", "version": {}})", "'version' is missing or not an integer"},
        {R"({"format": "pot-trial-log", "version": "1"})", "'version' is missing or not an integer"},
        {R"({"format": "pot-trial-log", "version": 9})", "trial log version 9 is not supported"},
    };
    for (const auto& [line, expected] : cases) {
        try {
            core::TrialLog::parse(line + "\n", "h.jsonl");
            FAIL() << "accepted: " << line;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Input) << line;
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << line << " -> " << e.what();
            EXPECT_NE(std::string(e.what()).find("h.jsonl:1"), std::string::npos) << e.what();
        }
    }
}

TEST(TuningObjective, PenaltiesRankMissedAccuracyAboveMissedLatencyAboveBoth) {
    core::TuningTargets targets;
    targets.accuracy_loss = 1;    // 1 %
    targets.latency_reduce = 1.5;
    core::TuningObjective objective(targets);
    objective.calibrate({0.02, 1.3, 1});
    const double missed_accuracy = objective.loss({0.02, 2.0, 1});
    const double missed_latency = objective.loss({0.005, 1.2, 1});
    const double met = objective.loss({0.005, 1.6, 1});
    EXPECT_GT(missed_accuracy, missed_latency);
    EXPECT_GT(missed_latency, met);
    EXPECT_TRUE(objective.meets_targets({0.005, 1.6, 1}));
    EXPECT_FALSE(objective.meets_targets({0.005, 1.2, 1}));
    // Meeting the accuracy target, the accuracy term is off: only speed counts.
    EXPECT_LT(objective.loss({0.009, 1.8, 1}), objective.loss({0.0, 1.6, 1}));
    // The base trial sits 10 units from the ideal on each scale: its accuracy term is 10, its
    // latency term 0, plus the missed-accuracy penalty of 80.
    EXPECT_NEAR(objective.loss({0.02, 1.3, 1}), 90.0, 1e-9);
}

TEST(TuningObjective, ScalesSurviveARoundTrip) {
    core::TuningObjective a(core::TuningTargets{});
    a.calibrate({0.03, 1.4, 1});
    core::TuningObjective b(core::TuningTargets{});
    b.restore(a.scales());
    EXPECT_DOUBLE_EQ(a.loss({0.01, 1.1, 1}), b.loss({0.01, 1.1, 1}));
}

TEST(TuningObjective, ALosslessAndNoFasterBaseStillGivesFiniteScales) {
    core::TuningObjective objective(core::TuningTargets{});
    objective.calibrate({0.0, 1.0, 1});
    EXPECT_TRUE(std::isfinite(objective.loss({0.5, 0.5, 1})));
}

TEST(TuningObjective, BetterTrialPrefersMeetingAccuracyThenSpeed) {
    core::TuningTargets targets;
    targets.accuracy_loss = 1;
    core::TuningObjective objective(targets);
    objective.calibrate({0.02, 1.3, 1});
    EXPECT_TRUE(core::better_trial(objective, {0.005, 1.1, 1}, 50, {0.02, 2.0, 1}, 10));
    EXPECT_TRUE(core::better_trial(objective, {0.009, 1.5, 1}, 0, {0.001, 1.4, 1}, 0));
    EXPECT_TRUE(core::better_trial(objective, {0.001, 1.4, 1}, 0, {0.009, 1.4, 1}, 0));
    EXPECT_TRUE(core::better_trial(objective, {0.03, 1.0, 1}, 5, {0.02, 1.0, 1}, 6));
}

TEST(TuningOutcome, TheParetoFrontHoldsTheTrialsNoneBeatsInBoth) {
    core::TuningOutcome o;
    const auto add = [&](double loss, double ratio) {
        core::TrialRecord r;
        r.measurement = {loss, ratio, 1};
        o.trials.push_back(r);
    };
    add(0.01, 1.2);  // 0: front
    add(0.02, 1.1);  // 1: beaten by 0
    add(0.00, 1.0);  // 2: front (most accurate)
    add(0.05, 1.6);  // 3: front (fastest)
    add(0.01, 1.2);  // 4: same as 0: 0 stands for both
    EXPECT_EQ(o.pareto_front(), (std::vector<size_t>{2, 0, 3}));
}

}  // namespace
}  // namespace pot::test
