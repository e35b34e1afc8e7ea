// Collecting ahead across ActivationChannelAlignment: DefaultQuantization measures the model
// once, and the statistics MinMaxQuantization and FastBiasCorrection get, mapped through the
// alignment, give the model measuring again would.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "bias_fixtures.hpp"
#include "graph_builder.hpp"
#include "pot/core/evaluator.hpp"
#include "pot/core/log.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/session.hpp"
#include "pot/fake_quantize_node.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;

// Two aligned pairs: Conv 3->6 (3x3, channels of very different widths and centres) -> Relu ->
// Conv 1x1 6->8, then Conv 8->6 (3x3) -> Conv 1x1 6->4 directly.
Graph two_pair_model() {
    pot::test::GraphBuilder b("two_pairs");
    const auto x = b.input("input", {-1, 3, 8, 8});
    pot::Tensor w1 = pot::test::random_tensor({6, 3, 3, 3}, 3, -0.5f, 0.5f);
    const float gain[6] = {0.05f, 0.3f, 1.0f, 2.0f, 8.0f, 20.0f};
    for (int64_t c = 0; c < 6; ++c)
        for (int64_t i = 0; i < 27; ++i) w1.data<float>()[c * 27 + i] *= gain[c];
    const auto pads = std::vector<int64_t>{1, 1, 1, 1};
    const auto c1 = b.node("Conv", {x, b.constant("w1", w1),
                                    b.constant("b1", pot::Tensor::from_vector<float>(
                                                         {6}, {3.0f, -2.0f, 0.5f, 1.0f, -6.0f, 10.0f}))},
                           {{"pads", pads}}, "conv1");
    const auto r1 = b.node("Relu", {c1}, {}, "relu1");
    const auto c2 = b.node("Conv", {r1, b.constant("w2", pot::test::random_tensor({8, 6, 1, 1}, 4)),
                                    b.constant("b2", pot::test::random_tensor({8}, 5))},
                           {}, "conv2");
    pot::Tensor w3 = pot::test::random_tensor({6, 8, 3, 3}, 6, -0.3f, 0.3f);
    for (int64_t c = 0; c < 6; ++c)
        for (int64_t i = 0; i < 72; ++i) w3.data<float>()[c * 72 + i] *= gain[5 - c];
    const auto c3 = b.node("Conv", {c2, b.constant("w3", w3),
                                    b.constant("b3", pot::test::random_tensor({6}, 7, -4.0f, 4.0f))},
                           {{"pads", pads}}, "conv3");
    const auto c4 = b.node("Conv", {c3, b.constant("w4", pot::test::random_tensor({4, 6, 1, 1}, 8)),
                                    b.constant("b4", pot::test::random_tensor({4}, 9))},
                           {}, "conv4");
    b.output(c4);
    return b.build();
}

struct Quantized {
    Graph model;
    size_t passes = 0;
};

class CollectAhead : public testing::Test {
protected:
    PluginHost host_;
    pot::test::VectorData data_{pot::test::random_samples(12, {1, 3, 8, 8}, 50)};

    Quantized quantize(const std::string& params, bool ahead) {
        Quantized run{two_pair_model()};
        pot::core::Logger logger(pot::LogLevel::Warning);
        const Graph float_model = run.model;
        pot::core::Evaluator evaluator(host_.engine(), data_, float_model, host_.metric());
        pot::core::Session session(host_.engine(), data_, evaluator, "CPU", logger, nullptr);
        pot::core::Pipeline pipeline(host_.registry(), {{"DefaultQuantization", params, "/compression/algorithms/0"}});
        pipeline.set_collect_ahead(ahead);
        for (const auto& step : pipeline.run(run.model, session))
            if (step.name == "statistics") ++run.passes;
        return run;
    }
};

// Every FakeQuantize's input range and every Conv bias of `a` and `b`, which have the same
// nodes, agree within `tolerance` relative to the larger magnitude; the number compared.
size_t expect_same_parameters(const Graph& a, const Graph& b, float tolerance) {
    size_t compared = 0;
    const auto close = [&](const std::vector<float>& x, const std::vector<float>& y, const std::string& what) {
        ASSERT_EQ(x.size(), y.size()) << what;
        for (size_t i = 0; i < x.size(); ++i) {
            const float scale = std::max({std::fabs(x[i]), std::fabs(y[i]), 1e-3f});
            EXPECT_LE(std::fabs(x[i] - y[i]), tolerance * scale) << what << "[" << i << "]: " << x[i] << " vs " << y[i];
            ++compared;
        }
    };
    EXPECT_EQ(a.nodes.size(), b.nodes.size());
    for (size_t n = 0; n < std::min(a.nodes.size(), b.nodes.size()); ++n) {
        const auto& na = a.nodes[n];
        const auto& nb = b.nodes[n];
        EXPECT_EQ(na.op_type, nb.op_type) << na.name;
        if (na.op_type != nb.op_type) continue;
        if (pot::is_fake_quantize(na)) {
            const auto fa = pot::read_fake_quantize(a, na);
            const auto fb = pot::read_fake_quantize(b, nb);
            close(fa.input_low, fb.input_low, na.name + " input_low");
            close(fa.input_high, fb.input_high, na.name + " input_high");
        } else if (na.op_type == "Conv" && na.inputs.size() > 2) {
            close(a.constant(na.inputs[2]).to_floats(), b.constant(nb.inputs[2]).to_floats(), na.name + " bias");
        }
    }
    return compared;
}

TEST_F(CollectAhead, DefaultQuantizationMeasuresOnceAndMatchesMeasuringTwice) {
    for (const char* preset : {"performance", "mixed"}) {
        const std::string params = std::string(R"({"preset": ")") + preset + R"("})";
        const Quantized once = quantize(params, true);
        const Quantized twice = quantize(params, false);
        EXPECT_EQ(once.passes, 1u) << preset;
        EXPECT_EQ(twice.passes, 2u) << preset;
        // Both pairs were aligned: their Convs' weights changed.
        const Graph original = two_pair_model();
        EXPECT_NE(once.model.constant("w1").to_floats(), original.constant("w1").to_floats()) << preset;
        EXPECT_GT(expect_same_parameters(once.model, twice.model, 2e-5f), 20u) << preset;
    }
}

TEST_F(CollectAhead, StatisticsThatCannotBeMappedAreMeasuredOnTheChangedModel) {
    // Per-tensor quantiles do not follow from per-channel summaries: a second pass measures
    // them, and the result is the same as measuring everything again.
    const std::string quantile = R"({"activations": {"range_estimator": {"preset": "quantile"}}})";
    const Quantized once = quantize(quantile, true);
    EXPECT_EQ(once.passes, 2u);
    EXPECT_GT(expect_same_parameters(once.model, quantize(quantile, false).model, 2e-5f), 20u);
}

TEST_F(CollectAhead, HistogramMethodsBinTheChangedModel) {
    // mse's first pass (per-tensor minimum and maximum) is mapped; its histograms, over the range
    // that pass found, are collected on the aligned model as before.
    const std::string mse = R"({"activations": {"range_estimator": {"preset": "mse"}}})";
    const Quantized once = quantize(mse, true);
    EXPECT_EQ(once.passes, 1u);
    EXPECT_GT(expect_same_parameters(once.model, quantize(mse, false).model, 2e-5f), 20u);
}

}  // namespace
