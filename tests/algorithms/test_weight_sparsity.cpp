// WeightSparsity: the global threshold, the per-channel rescaling, and the plugin's bias step.
#include <cmath>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/error.hpp"
#include "sparsity.hpp"
#include "test_host.hpp"

namespace {

using pot::Tensor;
using pot::weight_sparsity::SparsifyOptions;

Tensor dense_tensor(const std::vector<float>& values, const pot::Shape& shape) {
    Tensor t(pot::DType::F32, shape);
    std::copy(values.begin(), values.end(), t.data<float>());
    return t;
}

TEST(WeightSparsityMath, ThresholdIsTheKthSmallestMagnitudeOverAllTensors) {
    const Tensor a = dense_tensor({-4, 1, 3, -2}, {2, 2});
    const Tensor b = dense_tensor({0.5f, -6, 5, 7}, {2, 2});
    // Magnitudes sorted: 0.5 1 2 3 4 5 6 7; level 0.5 drops floor(0.5 * 8) = 4 of them: below 4.
    EXPECT_FLOAT_EQ(pot::weight_sparsity::sparsity_threshold({&a, &b}, 0.5, /*normed=*/false), 4.0f);
    EXPECT_FLOAT_EQ(pot::weight_sparsity::sparsity_threshold({&a, &b}, 0.0, false), 0.5f);
    // Normed: each tensor divided by its L2 norm (sqrt(30) and 10.5) first. Sorted: 0.5 / 10.5,
    // 1 / sqrt(30), 2 / sqrt(30), 5 / 10.5, ...; level 0.25 drops 2: the threshold is the third.
    const float normed = pot::weight_sparsity::sparsity_threshold({&a, &b}, 0.25, true);
    EXPECT_FLOAT_EQ(normed, static_cast<float>(2.0 / std::sqrt(30.0)));
    EXPECT_THROW(pot::weight_sparsity::sparsity_threshold({&a}, 1.0, false), pot::Error);
}

TEST(WeightSparsityMath, SparsifyZeroesBelowTheThresholdAndRescalesEachChannel) {
    // Two output channels along axis 0: [1 2 3 4] and [-8 0.5 6 -0.25].
    Tensor w = dense_tensor({1, 2, 3, 4, -8, 0.5f, 6, -0.25f}, {2, 4});
    Tensor plain = w;
    EXPECT_EQ(pot::weight_sparsity::sparsify(plain, 0, SparsifyOptions{1.5f, false, false, 0.0}), 3u);
    EXPECT_EQ(plain.to_floats(), (std::vector<float>{0, 2, 3, 4, -8, 0, 6, 0}));

    EXPECT_EQ(pot::weight_sparsity::sparsify(w, 0, SparsifyOptions{1.5f, false, true, 0.0}), 3u);
    // Channel 0: mean 2.5, std sqrt(1.25); with the 1 dropped: mean 2.25, std sqrt(2.1875).
    const double a = std::sqrt(1.25 / 2.1875), b = 2.5 - a * 2.25;
    const auto v = w.to_floats();
    EXPECT_EQ(v[0], 0.0f);
    EXPECT_NEAR(v[1], 2 * a + b, 1e-5);
    EXPECT_NEAR(v[3], 4 * a + b, 1e-5);
    EXPECT_EQ(v[5], 0.0f);
    EXPECT_EQ(v[7], 0.0f);
}

// One Gemm [N, 16] x [16, 8] + bias: its output mean is linear in the weights, so the bias step
// restores it exactly.
class WeightSparsityPlugin : public testing::Test {
protected:
    pot::test::PluginHost host_;
    pot::test::VectorData data_{pot::test::random_samples(16, {1, 16}, 5)};
    pot::Graph graph_ = [] {
        pot::test::GraphBuilder b("gemm");
        const auto x = b.input("x", {1, 16});
        const auto w = b.constant("w", pot::test::random_tensor({16, 8}, 11));
        const auto c = b.constant("c", pot::test::random_tensor({8}, 12));
        const auto relu = b.node("Relu", {x}, {}, "relu");
        b.output(b.node("Gemm", {relu, w, c}, {}, "fc"), {1, 8});
        return b.build();
    }();

    // Mean over the samples of every output value.
    std::vector<double> mean_output(const pot::Graph& g) {
        auto model = host_.engine().compile(g);
        std::vector<double> mean(8, 0.0);
        for (size_t i = 0; i < data_.size(); ++i) {
            const auto out = model->infer(data_.get(i).inputs)[0].to_floats();
            for (size_t j = 0; j < mean.size(); ++j) mean[j] += out[j] / static_cast<double>(data_.size());
        }
        return mean;
    }
};

TEST_F(WeightSparsityPlugin, ZeroesTheAskedFractionAndKeepsTheMeanOutput) {
    const auto before = mean_output(graph_);
    pot::Graph corrected = graph_, uncorrected = graph_;
    host_.run("WeightSparsity", R"({"sparsity_level": 0.5})", corrected, data_);
    const auto& report = host_.reports().at("WeightSparsity");
    EXPECT_DOUBLE_EQ(report.at("sparsity_level").get<double>(), 0.5);
    EXPECT_EQ(report.at("layers").size(), 1u);
    EXPECT_EQ(report.at("biases").size(), 1u);
    host_.run("WeightSparsity", R"({"sparsity_level": 0.5, "correct_bias": false})", uncorrected, data_);

    const auto sparse = corrected.constant(corrected.nodes[1].inputs[1]).to_floats();
    EXPECT_EQ(std::count(sparse.begin(), sparse.end(), 0.0f), 64);
    const auto with = mean_output(corrected), without = mean_output(uncorrected);
    double error_with = 0, error_without = 0;
    for (size_t j = 0; j < before.size(); ++j) {
        error_with = std::max(error_with, std::fabs(with[j] - before[j]));
        error_without = std::max(error_without, std::fabs(without[j] - before[j]));
    }
    EXPECT_LT(error_with, 1e-4);
    EXPECT_GT(error_without, 1e-2);
    // The original graph's weights are untouched (the algorithm edits its own graph only).
    EXPECT_EQ(graph_.constant("w").to_floats(), pot::test::random_tensor({16, 8}, 11).to_floats());
}

TEST_F(WeightSparsityPlugin, BadParametersAreConfigErrors) {
    for (const char* params : {R"({})", R"({"sparsity_level": 1.0})", R"({"sparsity_level": -0.1})",
                               R"({"sparsity_level": 0.3, "use_layerwise_tuning": 1})",
                               R"({"sparsity_level": 0.3, "use_fast_bias": false})",
                               R"({"sparsity_level": 0.3, "sparsity_levle": 0.3})"}) {
        pot::Graph g = graph_;
        try {
            host_.run("WeightSparsity", params, g, data_);
            ADD_FAILURE() << "accepted " << params;
        } catch (const pot::Error& e) {
            EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << params << ": " << e.what();
        }
    }
}

}  // namespace
