#include <cmath>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/fake_quantize_node.hpp"
#include "quantizers.hpp"
#include "range_unify.hpp"
#include "test_host.hpp"

namespace {

using pot::Graph;
using pot::test::PluginHost;
using pot::test::quantizer_of;
using pot::test::quantizer_producing;
using pot::test::VectorData;

std::vector<pot::FakeQuantizeParams> all_quantizers(const Graph& g) {
    std::vector<pot::FakeQuantizeParams> out;
    for (const auto& n : g.nodes)
        if (pot::is_fake_quantize(n)) out.push_back(pot::read_fake_quantize(g, n));
    return out;
}


// Uniform samples in [-1, 1] plus one far outlier, so clipping methods have something to clip.
std::vector<pot::Tensor> samples_with_outlier() {
    auto samples = pot::test::random_samples(16, {1, 3, 8, 8}, 100);
    samples[3].data<float>()[17] = 20.0f;
    return samples;
}

class RangeMethods : public testing::TestWithParam<std::string> {
protected:
    PluginHost host_;
    VectorData data_{samples_with_outlier()};

    Graph quantize(const std::string& params) {
        Graph g = pot::test::small_cnn();
        host_.run("MinMaxQuantization", params, g, data_);
        return g;
    }
    static std::string with_method(const std::string& method, const std::string& extra = "") {
        return R"({"activations": {)" + extra + R"("range_estimator": {"method": ")" + method + R"("}}})";
    }
};

TEST_P(RangeMethods, ProducesValidQuantizersInsideTheObservedRange) {
    const Graph g = quantize(with_method(GetParam()));
    const auto quantizers = all_quantizers(g);
    EXPECT_EQ(quantizers.size(), 7u);  // 4 activations (not the model output) + 3 weights
    for (const auto& fq : quantizers) {
        EXPECT_NO_THROW(fq.validate());
        for (size_t c = 0; c < fq.channels(); ++c) {
            EXPECT_TRUE(std::isfinite(fq.input_low[c]) && std::isfinite(fq.input_high[c]));
            EXPECT_LT(fq.input_low[c], fq.input_high[c]);
        }
    }
    const auto input = quantizer_of(g, "conv1", 0);
    const auto relu = quantizer_producing(g, "relu1_out");
    ASSERT_TRUE(input && relu);
    EXPECT_LE(input->input_high[0], 20.0f * 1.0001f);
    EXPECT_EQ(relu->input_low[0], 0.0f);
}

TEST_P(RangeMethods, HonoursActivationBits) {
    const Graph g = quantize(with_method(GetParam(), R"("bits": 4, )"));
    const auto relu = quantizer_producing(g, "relu1_out");
    ASSERT_TRUE(relu);
    EXPECT_EQ(relu->levels, 16);
}

INSTANTIATE_TEST_SUITE_P(Methods, RangeMethods,
                         testing::Values("min_max", "mean_min_max", "quantile", "percentile9999",
                                         "PERCENTILE9999", "MAX", "kl", "symkl", "jsd", "mse",
                                         "aciq", "admm"));

class HistogramMethods : public RangeMethods {};

// At 4 bits, keeping the outlier at 20 would make the step so coarse that every method clips it
// (at 8 bits the MSE-optimal range keeps a single outlier: its clipping error outweighs the
// rounding noise of 3000 values).
TEST_P(HistogramMethods, ClipTheFarOutlierThatMinMaxKeeps) {
    const Graph wide = quantize(with_method("min_max", R"("bits": 4, )"));
    const Graph clipped = quantize(with_method(GetParam(), R"("bits": 4, )"));
    const auto a = quantizer_of(wide, "conv1", 0);
    const auto b = quantizer_of(clipped, "conv1", 0);
    ASSERT_TRUE(a && b);
    EXPECT_FLOAT_EQ(a->input_high[0], 20.0f);
    EXPECT_LT(b->input_high[0], 0.5f * a->input_high[0]);
}

INSTANTIATE_TEST_SUITE_P(Methods, HistogramMethods,
                         testing::Values("kl", "symkl", "jsd", "mse", "aciq", "admm"));

TEST(RangeMethodOptions, ThBinnumAndAciqDistributionAreAccepted) {
    PluginHost host;
    VectorData data(samples_with_outlier());
    Graph laplace = pot::test::small_cnn(), gauss = pot::test::small_cnn();
    host.run("MinMaxQuantization",
             R"({"activations": {"range_estimator": {"method": "aciq", "th_binnum": 512}}})", laplace, data);
    host.run("MinMaxQuantization",
             R"({"activations": {"range_estimator": {"method": "ACIQ", "distribution": "gauss"}}})", gauss, data);
    const auto l = quantizer_of(laplace, "conv1", 0), g = quantizer_of(gauss, "conv1", 0);
    ASSERT_TRUE(l && g);
    EXPECT_NE(l->input_high[0], g->input_high[0]);
}

// MinMaxQuantization with `params` on the small CNN fails with a Config error naming `fragment`.
void expect_config_error(const std::string& params, const std::string& fragment) {
    PluginHost host;
    VectorData data(samples_with_outlier());
    Graph g = pot::test::small_cnn();
    try {
        host.run("MinMaxQuantization", params, g, data);
        ADD_FAILURE() << params;
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config) << e.what();
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}

TEST(RangeMethodOptions, BadOptionsNameTheirPath) {
    expect_config_error(R"({"activations": {"range_estimator": {"method": "kl", "th_binnum": 1000}}})",
                        "range_estimator/th_binnum");
    expect_config_error(R"({"activations": {"range_estimator": {"method": "kld"}}})", "did you mean 'kl'");
    expect_config_error(R"({"activations": {"range_estimator": {"method": "mse", "max": {"type": "max"}}}})",
                        "range_estimator");
    expect_config_error(R"({"activations": {"range_estimator": {"method": "min_max", "th_binnum": 512}}})",
                        "unknown parameter 'th_binnum'");
    expect_config_error(R"({"activations": {"range_estimator": {"method": "kl", "preset": "quantile"}}})",
                        "'method' and 'preset'");
    expect_config_error(R"({"weights": {"range_estimator": {"method": "kl"}}})", "weights/range_estimator/method");
}

// Squared error of channel `c` (along axis 0) of `w` through `fq`.
double channel_error(const pot::Tensor& w, const pot::FakeQuantizeParams& fq, size_t c) {
    const auto v = w.to_floats();
    const size_t per_channel = v.size() / fq.channels();
    double sum = 0.0;
    for (size_t i = c * per_channel; i < (c + 1) * per_channel; ++i) {
        const float q = pot::fake_quantize_value(v[i], fq.input_low[c], fq.input_high[c],
                                                 fq.output_low[c], fq.output_high[c], fq.levels);
        sum += (v[i] - q) * (v[i] - q);
    }
    return sum;
}

TEST(WeightRangeMethod, AdmmNeverRaisesAChannelsErrorAndHonoursBits) {
    PluginHost host;
    VectorData data(pot::test::random_samples(4, {1, 3, 8, 8}, 3));
    Graph max_abs = pot::test::small_cnn(), admm = pot::test::small_cnn();
    const pot::Tensor w1 = max_abs.constant("w1");
    host.run("MinMaxQuantization", R"({"weights": {"bits": 4}})", max_abs, data);
    host.run("MinMaxQuantization",
             R"({"weights": {"bits": 4, "range_estimator": {"method": "admm", "iterations": 50}}})", admm, data);
    const auto a = quantizer_of(max_abs, "conv1", 1);
    const auto b = quantizer_of(admm, "conv1", 1);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->levels, 15);
    ASSERT_EQ(b->channels(), a->channels());
    bool changed = false;
    for (size_t c = 0; c < a->channels(); ++c) {
        EXPECT_FLOAT_EQ(b->input_low[c], -b->input_high[c]);
        EXPECT_LE(channel_error(w1, *b, c), channel_error(w1, *a, c) * (1.0 + 1e-5)) << "channel " << c;
        changed = changed || b->input_high[c] != a->input_high[c];
    }
    EXPECT_TRUE(changed);
}

// x -> ConvA -> Relu -+-> Concat -> ConvC
// x -> ConvB ---------+
Graph concat_model() {
    pot::test::GraphBuilder b("concat");
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto wa = b.constant("wa", pot::test::random_tensor({2, 2, 1, 1}, 3, -0.2f, 0.2f));
    const auto wb = b.constant("wb", pot::test::random_tensor({2, 2, 1, 1}, 4, -2.0f, 2.0f));
    const auto wc = b.constant("wc", pot::test::random_tensor({2, 4, 1, 1}, 5));
    const auto a = b.node("Relu", {b.node("Conv", {x, wa}, {}, "conv_a")}, {}, "relu_a");
    const auto cb = b.node("Conv", {x, wb}, {}, "conv_b");
    const auto cat = b.node("Concat", {a, cb}, {{"axis", int64_t{1}}}, "concat");
    b.output(b.node("Conv", {cat, wc}, {}, "conv_c"));
    return b.build();
}

TEST(UnifyScales, ConcatInputsShareOneRangeOnCpuByDefault) {
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 21));
    Graph unified = concat_model(), separate = concat_model();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", unified, data);
    PluginHost("reference", "CPU").run("MinMaxQuantization", R"({"unify_scales": false})", separate, data);
    const auto ua = quantizer_producing(unified, "relu_a_out"), ub = quantizer_producing(unified, "conv_b_out");
    const auto sa = quantizer_producing(separate, "relu_a_out"), sb = quantizer_producing(separate, "conv_b_out");
    ASSERT_TRUE(ua && ub && sa && sb);
    EXPECT_EQ(ua->input_low, ub->input_low);
    EXPECT_EQ(ua->input_high, ub->input_high);
    EXPECT_EQ(ua->levels, ub->levels);
    EXPECT_NE(sa->input_high, sb->input_high);
    // The shared range is the union: it covers the wider input.
    EXPECT_FLOAT_EQ(ub->input_high[0], std::max(sa->input_high[0], sb->input_high[0]));
}

TEST(UnifyScales, AppliesToHistogramRangesToo) {
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 21));
    Graph g = concat_model();
    PluginHost host("reference", "CPU");
    host.run("MinMaxQuantization", R"({"activations": {"range_estimator": {"method": "kl"}}})", g, data);
    const auto a = quantizer_producing(g, "relu_a_out"), b = quantizer_producing(g, "conv_b_out");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->input_low, b->input_low);
    EXPECT_EQ(a->input_high, b->input_high);
    const auto& shared = host.reports().at("MinMaxQuantization").at("shared_ranges");
    ASSERT_EQ(shared.size(), 1u);
    EXPECT_EQ(shared[0], nlohmann::json({"conv_b_out", "relu_a_out"}));
}

TEST(UnifyScales, OffByDefaultForOtherTargetsAndOnWhenAsked) {
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 21));
    Graph any = concat_model(), asked = concat_model();
    PluginHost("reference", "ANY").run("MinMaxQuantization", "{}", any, data);
    PluginHost("reference", "ANY").run("MinMaxQuantization", R"({"unify_scales": true})", asked, data);
    const auto a = quantizer_producing(any, "relu_a_out"), b = quantizer_producing(any, "conv_b_out");
    const auto c = quantizer_producing(asked, "relu_a_out"), d = quantizer_producing(asked, "conv_b_out");
    ASSERT_TRUE(a && b && c && d);
    EXPECT_NE(a->input_high, b->input_high);
    EXPECT_EQ(c->input_high, d->input_high);
}

TEST(UnifyScales, BothInputsOfAnAddShareOneRangeOnCpu) {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto w = b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3, -3.0f, 3.0f));
    const auto c = b.node("Conv", {x, w}, {}, "conv");
    const auto s = b.node("Sigmoid", {x}, {}, "sigmoid");
    b.output(b.node("Add", {c, s}, {}, "add"));
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
    Graph g = b.build();
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", g, data);
    const auto fc = quantizer_producing(g, "conv_out"), fs = quantizer_producing(g, "sigmoid_out");
    ASSERT_TRUE(fc && fs);
    EXPECT_EQ(fc->input_low, fs->input_low);
    EXPECT_EQ(fc->input_high, fs->input_high);
}

// conv (weights +-0.003: outputs of a few thousandths) + sigmoid (0..1) -> Add; the sum goes on
// in float to the output, or (`quantized_sum`) into another Conv, whose input is quantized.
Graph narrow_and_wide_add(bool quantized_sum) {
    pot::test::GraphBuilder b;
    const auto x = b.input("x", {-1, 2, 4, 4});
    const auto w = b.constant("w", pot::test::random_tensor({2, 2, 1, 1}, 3, -0.003f, 0.003f));
    const auto sum = b.node("Add", {b.node("Conv", {x, w}, {}, "conv"), b.node("Sigmoid", {x}, {}, "sigmoid")},
                            {}, "add");
    if (quantized_sum) {
        const auto w2 = b.constant("w2", pot::test::random_tensor({2, 2, 1, 1}, 4));
        b.output(b.node("Conv", {sum, w2}, {}, "conv2"));
    } else {
        b.output(sum);
    }
    return b.build();
}

TEST(UnifyScales, AnAddWhoseSumStaysInFloatKeepsANarrowInputOnItsOwnGrid) {
    VectorData data(pot::test::random_samples(4, {1, 2, 4, 4}, 9));
    Graph g = narrow_and_wide_add(false);
    PluginHost host("reference", "CPU");
    host.run("MinMaxQuantization", "{}", g, data);
    const auto fc = quantizer_producing(g, "conv_out"), fs = quantizer_producing(g, "sigmoid_out");
    ASSERT_TRUE(fc && fs);
    const float narrow = fc->input_high[0] - fc->input_low[0], wide = fs->input_high[0] - fs->input_low[0];
    EXPECT_LT(narrow * pot::min_max::kMaxSharedRangeWidening, wide);
    const auto& report = host.reports().at("MinMaxQuantization");
    EXPECT_FALSE(report.contains("shared_ranges")) << report.dump();
    EXPECT_EQ(report.at("kept_out_of_shared_ranges"), nlohmann::json({"conv_out", "sigmoid_out"}));

    // Where the sum is quantized, its grid rounds the narrow input anyway: the inputs share.
    Graph q = narrow_and_wide_add(true);
    PluginHost("reference", "CPU").run("MinMaxQuantization", "{}", q, data);
    const auto qc = quantizer_producing(q, "conv_out"), qs = quantizer_producing(q, "sigmoid_out");
    ASSERT_TRUE(qc && qs);
    EXPECT_EQ(qc->input_high, qs->input_high);
    EXPECT_EQ(qc->input_low, qs->input_low);
}

}  // namespace

namespace {

// POT's range_estimator bounds: each sample's statistic folded by an aggregator, and clipping.
class PotRangeBounds : public testing::Test {
protected:
    PluginHost host_;
    VectorData data_{samples_with_outlier()};  // the outlier 20 sits in one sample of 16

    pot::FakeQuantizeParams conv1_input(const std::string& range_estimator) {
        Graph g = pot::test::small_cnn();
        host_.run("MinMaxQuantization",
                  R"({"preset": "mixed", "activations": {"range_estimator": )" + range_estimator + "}}", g, data_);
        const auto fq = quantizer_of(g, "conv1", 0);
        EXPECT_TRUE(fq);
        return fq ? *fq : pot::FakeQuantizeParams{};
    }
};

TEST_F(PotRangeBounds, AggregatorsFoldThePerSampleStatistics) {
    const auto all = conv1_input(R"({"max": {"type": "max", "aggregator": "max"}})");
    const auto median = conv1_input(R"({"max": {"type": "max", "aggregator": "median"}})");
    const auto mean = conv1_input(R"({"max": {"type": "max", "aggregator": "mean"}})");
    const auto trimmed = conv1_input(R"({"max": {"type": "max", "aggregator": "mean_no_outliers"}})");
    const auto hl = conv1_input(R"({"max": {"type": "max", "aggregator": "hl_estimator"}})");
    // Asymmetric ranges move a little so that 0.0 falls on a code.
    EXPECT_NEAR(all.input_high[0], 20.0f, 0.01f);
    // The sample holding 20 pulls the mean up by about 19/16; the robust aggregators ignore it.
    EXPECT_GT(mean.input_high[0], 2.0f);
    for (const auto* robust : {&median, &trimmed, &hl}) {
        EXPECT_LT(robust->input_high[0], 1.01f);
        EXPECT_GT(robust->input_high[0], 0.9f);
    }
}

TEST_F(PotRangeBounds, AbsQuantileAndQuantileAggregatedByMedian) {
    const auto abs_q = conv1_input(R"({"max": {"type": "abs_quantile", "outlier_prob": 0.01, "aggregator": "median"}})");
    const auto q = conv1_input(R"({"min": {"type": "quantile", "aggregator": "median", "outlier_prob": 0.01},
                                   "max": {"type": "quantile", "aggregator": "median", "outlier_prob": 0.01}})");
    EXPECT_GT(abs_q.input_high[0], 0.9f);
    EXPECT_LT(abs_q.input_high[0], 1.0f);
    EXPECT_LT(q.input_low[0], -0.9f);
    EXPECT_GT(q.input_high[0], 0.9f);
    EXPECT_LT(q.input_high[0], 1.0f);
}

TEST_F(PotRangeBounds, ClippingValuesBoundTheRange) {
    const auto clipped = conv1_input(R"({"min": {"clipping_value": -0.25}, "max": {"type": "max", "aggregator": "max", "clipping_value": 6}})");
    // Within the step that puts 0.0 on a code (asymmetric ranges).
    EXPECT_GE(clipped.input_low[0], -0.25f - 0.03f);
    EXPECT_LE(clipped.input_high[0], 6.0f + 0.03f);
    EXPECT_GT(clipped.input_high[0], 5.9f);
}

TEST_F(PotRangeBounds, PotsSpecBlocksAreAccepted) {
    // The weights and activations blocks of POT's default_quantization_spec.json, as written.
    Graph g = pot::test::small_cnn();
    host_.run("MinMaxQuantization", R"({
        "preset": "mixed",
        "weights": {"bits": 8, "mode": "symmetric", "granularity": "perchannel", "level_low": -127, "level_high": 127,
                    "range_estimator": {"max": {"type": "quantile", "outlier_prob": 0.0001}}},
        "activations": {"bits": 8, "mode": "symmetric", "granularity": "pertensor",
                        "range_estimator": {"preset": "quantile",
                            "min": {"clipping_value": 0, "aggregator": "mean", "type": "quantile", "outlier_prob": 0.0001},
                            "max": {"clipping_value": 6, "aggregator": "mean", "type": "quantile", "outlier_prob": 0.0001}}}})",
              g, data_);
    const auto input = quantizer_of(g, "conv1", 0);
    ASSERT_TRUE(input);
    EXPECT_GE(input->input_low[0], -1e-6f);  // min clipped at 0
    EXPECT_LE(input->input_high[0], 6.0f);
}

TEST(WeightRangeQuantile, ClipsTheLargestMagnitudesOfEachChannel) {
    PluginHost host;
    VectorData data(pot::test::random_samples(4, {1, 3, 8, 8}, 3));
    Graph max_abs = pot::test::small_cnn(), quantile = pot::test::small_cnn(), clipped = pot::test::small_cnn();
    host.run("MinMaxQuantization", "{}", max_abs, data);
    host.run("MinMaxQuantization", R"({"weights": {"range_estimator": {"max": {"type": "quantile", "outlier_prob": 0.1}}}})",
             quantile, data);
    host.run("MinMaxQuantization", R"({"weights": {"range_estimator": {"max": {"clipping_value": 0.05}}}})", clipped, data);
    const auto a = quantizer_of(max_abs, "conv1", 1), b = quantizer_of(quantile, "conv1", 1),
               c = quantizer_of(clipped, "conv1", 1);
    ASSERT_TRUE(a && b && c);
    ASSERT_EQ(a->channels(), b->channels());
    for (size_t ch = 0; ch < a->channels(); ++ch) {
        EXPECT_LT(b->input_high[ch], a->input_high[ch]) << ch;
        EXPECT_FLOAT_EQ(b->input_low[ch], -b->input_high[ch]);
        EXPECT_LE(c->input_high[ch], 0.05f * 1.0001f);
    }
}

TEST(PotRangeErrors, ValuesTheKernelsCannotRunSayWhy) {
    expect_config_error(R"({"weights": {"mode": "asymmetric", "range_estimator": {"method": "admm"}}})",
                        "asymmetric weights take [min, max] or quantiles");
    expect_config_error(R"({"activations": {"granularity": "perchannel"}})", "one scale per input tensor");
    expect_config_error(R"({"weights": {"level_low": -128, "level_high": 127}})", "codes [-127, 127]");
    expect_config_error(R"({"activations": {"level_low": 0, "level_high": 127}})", "256 codes");
    expect_config_error(R"({"activations": {"range_estimator": {"min": {"type": "max"}}}})", "cannot bound the range");
    expect_config_error(R"({"activations": {"range_estimator": {"max": {"aggregator": "mode"}}}})", "hl_estimator");
    expect_config_error(R"({"weights": {"range_estimator": {"min": {"type": "min"}}}})", "from max alone");
    expect_config_error(R"({"activations": {"range_estimator": {"min": {"type": "quantile", "outlier_prob": 0.01},
                          "max": {"type": "quantile", "outlier_prob": 0.02}}}})", "share one outlier probability");
}

}  // namespace
