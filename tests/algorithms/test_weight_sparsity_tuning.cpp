// WeightSparsity's layer-wise tuning: the masked least-squares fit, and the plugin fitting each
// kind of layer it supports.
#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "graph_builder.hpp"
#include "layer_fit.hpp"
#include "pot/error.hpp"
#include "test_host.hpp"

namespace {

using pot::Tensor;
using pot::weight_sparsity::FitMethod;
using pot::weight_sparsity::FitOptions;
using pot::weight_sparsity::FitStats;

// A smooth random pattern shaped like `shape` (batch 1): along the last axis, and along the last
// two for images, a few low-frequency waves per channel, as neighbouring pixels of real images and
// neighbouring features of real activations are correlated.
Tensor smooth_pattern(const pot::Shape& shape, unsigned seed) {
    Tensor t(pot::DType::F32, shape);
    const int64_t width = shape.back();
    const int64_t height = shape.size() >= 4 ? shape[shape.size() - 2] : 1;
    const int64_t channels = t.numel() / (width * height);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> frequency(0.0f, 0.7f), phase(0.0f, 6.283f), amplitude(-1.0f, 1.0f);
    float* v = t.data<float>();
    for (int64_t c = 0; c < channels; ++c) {
        std::fill(v + c * height * width, v + (c + 1) * height * width, 0.0f);
        for (int wave = 0; wave < 3; ++wave) {
            const float fy = frequency(rng), fx = frequency(rng), p = phase(rng), a = amplitude(rng);
            for (int64_t y = 0; y < height; ++y)
                for (int64_t x = 0; x < width; ++x)
                    v[(c * height + y) * width + x] += a * std::sin(fy * static_cast<float>(y) + fx * static_cast<float>(x) + p);
        }
    }
    return t;
}

// Samples that mix a few shared smooth patterns with per-sample weights, plus a little noise.
// `seed` picks the samples; the patterns are fixed, so calibration and held-out samples come from
// one distribution.
std::vector<Tensor> correlated_samples(size_t count, const pot::Shape& shape, unsigned seed) {
    constexpr unsigned kPatterns = 8;
    std::vector<Tensor> basis;
    for (unsigned k = 0; k < kPatterns; ++k) basis.push_back(smooth_pattern(shape, 99 + k));
    std::mt19937 rng(seed);
    std::normal_distribution<float> mix(0.0f, 1.0f), noise(0.0f, 0.05f);
    std::vector<Tensor> samples;
    for (size_t i = 0; i < count; ++i) {
        Tensor t(pot::DType::F32, shape);
        float* v = t.data<float>();
        std::fill(v, v + t.numel(), 0.0f);
        for (const auto& b : basis) {
            const float a = mix(rng);
            for (int64_t j = 0; j < t.numel(); ++j) v[j] += a * b.data<float>()[j];
        }
        for (int64_t j = 0; j < t.numel(); ++j) v[j] += noise(rng);
        samples.push_back(std::move(t));
    }
    return samples;
}

// A least-squares problem of `columns` correlated inputs and `channels` outputs: the Gram matrix
// of 400 rows with a ones column, dense weights, and the dense weights with half of them zeroed.
struct FitProblem {
    cv::Mat gram, dense, sparse;
};

FitProblem fit_problem(int columns, int channels) {
    cv::RNG rng(5);
    cv::Mat latent(400, 4, CV_32F), mixing(4, columns, CV_32F), noise(400, columns, CV_32F);
    rng.fill(latent, cv::RNG::NORMAL, 0, 1);
    rng.fill(mixing, cv::RNG::NORMAL, 0, 1);
    rng.fill(noise, cv::RNG::NORMAL, 0, 0.2);
    cv::Mat x = latent * mixing + noise, rows;
    cv::hconcat(x, cv::Mat::ones(x.rows, 1, CV_32F), rows);
    FitProblem p;
    p.gram = rows.t() * rows;
    p.dense = cv::Mat(columns + 1, channels, CV_32F);
    rng.fill(p.dense, cv::RNG::UNIFORM, -1, 1);
    p.sparse = p.dense.clone();
    for (int c = 0; c < channels; ++c)
        for (int j = 0; j < columns; ++j)
            if ((j + c) % 2 == 0) p.sparse.at<float>(j, c) = 0.0f;
    return p;
}

TEST(WeightSparsityFit, CholeskyAndConjugateGradientLowerTheErrorAndKeepZeros) {
    const FitProblem p = fit_problem(24, 5);
    cv::Mat direct = p.sparse.clone(), iterative = p.sparse.clone();
    const FitStats d = pot::weight_sparsity::fit_masked_columns(p.gram, cv::Mat(), p.dense, direct,
                                                                {true, 30, pot::weight_sparsity::kFitRidge, FitMethod::Cholesky});
    const FitStats g = pot::weight_sparsity::fit_masked_columns(
        p.gram, cv::Mat(), p.dense, iterative, {true, 200, pot::weight_sparsity::kFitRidge, FitMethod::ConjugateGradient});
    EXPECT_FALSE(d.iterative);
    EXPECT_TRUE(g.iterative);
    EXPECT_GT(g.iterations, 0);
    EXPECT_EQ(d.unchanged_channels, 0u);
    EXPECT_LT(d.error_after, 0.5 * d.error_before);
    // Both reach the same minimum of the masked problem.
    EXPECT_NEAR(g.error_after, d.error_after, 1e-3 * d.error_before);
    for (const cv::Mat* fitted : {&direct, &iterative})
        for (int c = 0; c < p.sparse.cols; ++c)
            for (int j = 0; j < p.sparse.rows - 1; ++j)
                EXPECT_EQ(fitted->at<float>(j, c) == 0.0f, p.sparse.at<float>(j, c) == 0.0f) << j << "," << c;
}

TEST(WeightSparsityFit, FewIterationsNeverRaiseTheError) {
    const FitProblem p = fit_problem(40, 3);
    cv::Mat weights = p.sparse.clone();
    const FitStats s = pot::weight_sparsity::fit_masked_columns(
        p.gram, cv::Mat(), p.dense, weights, {true, 2, pot::weight_sparsity::kFitRidge, FitMethod::ConjugateGradient});
    EXPECT_EQ(s.iterations, 2);
    EXPECT_LE(s.error_after, s.error_before);
}

TEST(WeightSparsityFit, WithoutBiasTheBiasRowKeepsItsValue) {
    const FitProblem p = fit_problem(12, 4);
    cv::Mat weights = p.sparse.clone();
    pot::weight_sparsity::fit_masked_columns(p.gram, cv::Mat(), p.dense, weights,
                                             {false, 30, pot::weight_sparsity::kFitRidge, FitMethod::Auto});
    for (int c = 0; c < weights.cols; ++c)
        EXPECT_EQ(weights.at<float>(weights.rows - 1, c), p.sparse.at<float>(p.sparse.rows - 1, c));
}

// Fit rows where input 1 copies input 0, check rows where it is the negation: refitting the kept
// weight of input 1 to stand in for the dropped weight of input 0 is right on the first and
// wrong on the second, so the channel keeps its weights.
TEST(WeightSparsityFit, ChannelsWhoseCheckErrorGrowsKeepTheirWeights) {
    cv::RNG rng(3);
    const auto rows = [&](float sign) {
        cv::Mat r(200, 4, CV_32F);
        for (int i = 0; i < r.rows; ++i) {
            const float x = static_cast<float>(rng.gaussian(1.0));
            r.at<float>(i, 0) = x;
            r.at<float>(i, 1) = sign * x;
            r.at<float>(i, 2) = static_cast<float>(rng.gaussian(1.0));
            r.at<float>(i, 3) = 1.0f;
        }
        return r;
    };
    const cv::Mat fit = rows(1.0f), check = rows(-1.0f);
    const cv::Mat gram = fit.t() * fit;
    const cv::Mat dense = (cv::Mat_<float>(4, 1) << 1.0f, 0.0f, 0.5f, 0.0f);
    const cv::Mat start = (cv::Mat_<float>(4, 1) << 0.0f, 0.01f, 0.5f, 0.0f);
    cv::Mat unchecked = start.clone(), checked = start.clone();
    const FitStats u = pot::weight_sparsity::fit_masked_columns(gram, cv::Mat(), dense, unchecked, {});
    EXPECT_LT(u.error_after, 0.01 * u.error_before);
    EXPECT_NEAR(unchecked.at<float>(1), 1.0f, 0.05f);
    const FitStats c = pot::weight_sparsity::fit_masked_columns(gram, check, dense, checked, {});
    EXPECT_TRUE(c.held_out);
    EXPECT_EQ(c.unchanged_channels, 1u);
    EXPECT_EQ(c.error_after, c.error_before);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(checked.at<float>(j), start.at<float>(j)) << j;
}

// One layer after a Relu, fed correlated samples: the layer-wise fit must bring the sparse layer's
// output closer to the dense one's on held-out samples than the sparsity with its bias step alone.
struct LayerCase {
    std::string name;
    pot::Shape input;
    pot::Graph (*build)(const pot::Shape& input);
};

void PrintTo(const LayerCase& c, std::ostream* os) { *os << c.name; }

pot::Graph conv_graph(const pot::Shape& input, int64_t group) {
    pot::test::GraphBuilder b("conv");
    const auto x = b.input("x", input);
    const auto w = b.constant("w", pot::test::random_tensor({8, input[1] / group, 3, 3}, 21));
    const auto bias = b.constant("b", pot::test::random_tensor({8}, 22));
    const auto relu = b.node("Relu", {x}, {}, "relu");
    b.output(b.node("Conv", {relu, w, bias},
                    {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"group", group},
                     {"strides", std::vector<int64_t>{1, 2}}},
                    "layer"));
    return b.build();
}

const LayerCase kLayerCases[] = {
    {"conv", {1, 4, 9, 9}, [](const pot::Shape& s) { return conv_graph(s, 1); }},
    {"grouped_conv", {1, 4, 9, 9}, [](const pot::Shape& s) { return conv_graph(s, 2); }},
    {"gemm", {1, 24},
     [](const pot::Shape& s) {
         pot::test::GraphBuilder b("gemm");
         const auto x = b.input("x", s);
         const auto w = b.constant("w", pot::test::random_tensor({10, 24}, 31));
         const auto c = b.constant("c", pot::test::random_tensor({10}, 32));
         const auto relu = b.node("Relu", {x}, {}, "relu");
         b.output(b.node("Gemm", {relu, w, c}, {{"transB", int64_t{1}}, {"alpha", 0.5f}}, "layer"));
         return b.build();
     }},
    {"matmul_add", {1, 3, 24},
     [](const pot::Shape& s) {
         pot::test::GraphBuilder b("matmul");
         const auto x = b.input("x", s);
         const auto w = b.constant("w", pot::test::random_tensor({24, 10}, 41));
         const auto c = b.constant("c", pot::test::random_tensor({10}, 42));
         const auto relu = b.node("Relu", {x}, {}, "relu");
         b.output(b.node("Add", {b.node("MatMul", {relu, w}, {}, "layer"), c}, {}, "bias"));
         return b.build();
     }},
};

class WeightSparsityTuning : public testing::TestWithParam<LayerCase> {
protected:
    // Mean squared difference of the outputs of `a` and `b` on held-out samples.
    double output_mse(const pot::Graph& a, const pot::Graph& b) {
        const auto samples = correlated_samples(24, GetParam().input, 1000);
        auto ma = host_.engine().compile(a), mb = host_.engine().compile(b);
        double sum = 0.0;
        size_t n = 0;
        for (const auto& s : samples) {
            const auto ya = ma->infer({s})[0].to_floats(), yb = mb->infer({s})[0].to_floats();
            for (size_t i = 0; i < ya.size(); ++i, ++n) sum += (ya[i] - yb[i]) * (ya[i] - yb[i]);
        }
        return sum / static_cast<double>(n);
    }

    static std::vector<float> layer_weights(const pot::Graph& g) {
        return g.constant(g.nodes[node_index(g, "layer")].inputs[1]).to_floats();
    }

    pot::test::PluginHost host_;
};

TEST_P(WeightSparsityTuning, FitBringsTheOutputCloserToTheDenseLayerAndKeepsZeros) {
    const pot::Graph dense = GetParam().build(GetParam().input);
    const pot::test::VectorData calibration(correlated_samples(64, GetParam().input, 1));
    pot::Graph plain = dense, tuned = dense;
    host_.run("WeightSparsity", R"({"sparsity_level": 0.6})", plain, calibration);
    host_.run("WeightSparsity", R"({"sparsity_level": 0.6, "use_layerwise_tuning": true})", tuned, calibration);
    const auto& report = host_.reports().at("WeightSparsity");
    ASSERT_EQ(report.at("tuning").size(), 1u) << report.dump();
    const auto& layer = report.at("tuning")[0];
    EXPECT_LT(layer.at("error_after").get<double>(), layer.at("error_before").get<double>()) << layer.dump();
    // The fit sets the bias: the mean-input bias step leaves the layer alone.
    EXPECT_TRUE(report.at("biases").empty()) << report.dump();

    const auto w_plain = layer_weights(plain), w_tuned = layer_weights(tuned);
    ASSERT_EQ(w_plain.size(), w_tuned.size());
    size_t zeros = 0;
    for (size_t i = 0; i < w_plain.size(); ++i) {
        EXPECT_EQ(w_tuned[i] == 0.0f, w_plain[i] == 0.0f) << "weight " << i;
        zeros += w_plain[i] == 0.0f ? 1 : 0;
    }
    EXPECT_GE(static_cast<double>(zeros), 0.6 * static_cast<double>(w_plain.size()) - 1.0);

    const double mse_plain = output_mse(dense, plain), mse_tuned = output_mse(dense, tuned);
    EXPECT_LT(mse_tuned, 0.5 * mse_plain) << "plain " << mse_plain << ", tuned " << mse_tuned;
}

INSTANTIATE_TEST_SUITE_P(Layers, WeightSparsityTuning, testing::ValuesIn(kLayerCases),
                         [](const auto& info) { return info.param.name; });

TEST(WeightSparsityTuningParams, BadValuesAreConfigErrorsNamingTheirPath) {
    pot::test::PluginHost host;
    const pot::test::VectorData data(correlated_samples(4, {1, 24}, 3));
    const pot::Graph graph = kLayerCases[2].build({1, 24});
    const std::pair<const char*, const char*> cases[] = {
        {R"("num_samples_for_tuning": -5)", "/num_samples_for_tuning"},
        {R"("num_samples_for_tuning": 0)", "/num_samples_for_tuning"},
        {R"("tuning_iterations": 0)", "/tuning_iterations"},
        {R"("calibration_indices_pool": -1)", "/calibration_indices_pool"},
        {R"("batch_size": 0)", "/batch_size"},
        {R"("weights_lr": -0.1)", "/weights_lr"},
        {R"("bias_lr": 0)", "/bias_lr"},
        {R"("initial_sparsity_level_diff": 1.5)", "/initial_sparsity_level_diff"},
        {R"("use_layerwise_tuning": "yes")", "/use_layerwise_tuning"},
        {R"("calculate_grads_on_loss_increase_only": 1)", "/calculate_grads_on_loss_increase_only"},
    };
    for (const auto& [param, key] : cases) {
        const std::string params = std::string(R"({"sparsity_level": 0.5, )") + param + "}";
        pot::Graph g = graph;
        try {
            host.run("WeightSparsity", params, g, data);
            ADD_FAILURE() << "accepted " << params;
        } catch (const pot::Error& e) {
            EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << params << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find(std::string("/compression/algorithms/0/params") + key),
                      std::string::npos)
                << e.what();
        }
    }
}

}  // namespace
