// Pipeline: a statistics stage collects on as many calibration samples as the most demanding of
// its algorithms asks for (0: all of them).
#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "metrics.hpp"
#include "orchestration_fakes.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/session.hpp"

namespace pot::test {
namespace {

constexpr size_t kPipelineSamples = 10;

/// Asks for the maximum of input "x" over `subset_size` samples and keeps it. On IndexData,
/// whose sample i is the value i, that maximum is one less than the samples collected on.
class InputMaxProbe final : public Algorithm {
public:
    explicit InputMaxProbe(size_t subset_size) : subset_size_(subset_size) {}
    std::string name() const override { return "InputMaxProbe"; }
    SamplingSettings sampling() const override { return {.subset_size = subset_size_}; }
    std::vector<StatisticRequest> statistics_needed(const Graph&, HostServices&) override {
        return {request()};
    }
    void apply(Graph&, const Statistics& stats, HostServices&) override {
        seen_max = stats.floats(request()).at(0);
    }

    float seen_max = -1.0f;

private:
    static StatisticRequest request() { return {"x", ReducerKind::Max}; }
    size_t subset_size_;
};

class PipelineSamplesTest : public testing::Test {
protected:
    PipelineSamplesTest() {
        registry_.load_directory(POT_PLUGIN_DIR);
        engine_ = core::create_engine(registry_, "reference", "{}", 0, "engine");
        GraphBuilder b;
        b.output(b.node("Relu", {b.input("x", {1, 1})}), {1, 1});
        fp32_ = b.build();
    }

    /// Runs one probe per entry of `subset_sizes`, all in one statistics stage; their maxima.
    std::vector<float> run_probes(const std::vector<size_t>& subset_sizes) {
        std::vector<std::pair<std::string, core::PluginPtr<Algorithm>>> algorithms;
        std::vector<InputMaxProbe*> probes;
        for (size_t size : subset_sizes) {
            probes.push_back(new InputMaxProbe(size));
            algorithms.emplace_back(
                "probe", core::PluginPtr<Algorithm>(probes.back(), {&delete_algorithm, nullptr}));
        }
        core::Pipeline pipeline(registry_, std::move(algorithms));
        core::Evaluator evaluator(*engine_, data_, fp32_, accuracy_);
        core::Session session(*engine_, data_, evaluator, "CPU", logger_, nullptr);
        Graph graph = fp32_;
        pipeline.run(graph, session);
        std::vector<float> maxima;
        for (const auto* probe : probes) maxima.push_back(probe->seen_max);
        return maxima;
    }

    core::Registry registry_;
    std::unique_ptr<Engine> engine_;
    Graph fp32_;
    VectorData data_ = index_samples(kPipelineSamples, true);
    metrics::Accuracy accuracy_{Params("{}")};
    core::Logger logger_{LogLevel::Warning};
};

TEST_F(PipelineSamplesTest, CollectsOnTheFirstSamplesAnAlgorithmAsksFor) {
    EXPECT_EQ(run_probes({3}), std::vector<float>({2.0f}));
}

TEST_F(PipelineSamplesTest, AStageCollectsOnTheLargestSubsetItsAlgorithmsAskFor) {
    EXPECT_EQ(run_probes({3, 5}), std::vector<float>({4.0f, 4.0f}));
}

TEST_F(PipelineSamplesTest, ASubsetOfZeroMeansEverySample) {
    EXPECT_EQ(run_probes({3, 0}), std::vector<float>({9.0f, 9.0f}));
}

// ResultServices: checkpoints reach the sink with their parsed summary, the last one decides the
// target; result files need plain, unused names.
TEST_F(PipelineSamplesTest, SessionHandsCheckpointsToItsSinkAndKeepsResultFiles) {
    core::Evaluator evaluator(*engine_, data_, fp32_, accuracy_);
    core::Session session(*engine_, data_, evaluator, "CPU", logger_, nullptr);
    ResultServices& results = session;
    EXPECT_FALSE(session.target_met().has_value());
    results.checkpoint(fp32_, false, R"({"drop": 3})");  // no sink yet: only the target changes
    EXPECT_EQ(session.target_met(), std::optional<bool>(false));
    std::vector<double> drops;
    session.on_checkpoint([&](const Graph& model, bool, const nlohmann::json& summary) {
        EXPECT_EQ(model.nodes.size(), fp32_.nodes.size());
        drops.push_back(summary.at("drop").get<double>());
    });
    results.checkpoint(fp32_, false, R"({"drop": 2})");
    results.checkpoint(fp32_, true, R"({"drop": 0.5})");
    EXPECT_EQ(drops, (std::vector<double>{2, 0.5}));
    EXPECT_EQ(session.target_met(), std::optional<bool>(true));
    EXPECT_THROW(results.checkpoint(fp32_, true, "[1, 2]"), Error) << "a summary must be an object";
    EXPECT_THROW(results.checkpoint(fp32_, true, "{"), Error);

    session.reserve_result_names({"report.json"});
    results.add_result_file("plot.png", "bytes");
    for (const char* bad : {"", ".", "..", "../plot.png", "a/b.png", "report.json", "plot.png", "x y.png"})
        EXPECT_THROW(results.add_result_file(bad, "bytes"), Error) << "'" << bad << "'";
    ASSERT_EQ(session.result_files().size(), 1u);
    EXPECT_EQ(session.result_files()[0], (std::pair<std::string, std::string>{"plot.png", "bytes"}));
}

}  // namespace
}  // namespace pot::test
