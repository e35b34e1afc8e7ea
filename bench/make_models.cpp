// Writes the benchmark models and their calibration data:
//
//   pot-make-bench-models MODEL_DIR DATA_DIR [SAMPLES]
//
// MODEL_DIR/resnet18_shape.onnx, mobilenet_v2_shape.onnx, mobilenet_v3_shape.onnx and
// vit_shape.onnx: 224x224 FP32 graphs with the layer shapes of ResNet-18, MobileNetV2,
// MobileNetV3-Large (HardSwish spelled out, as opset-13 exports have it) and ViT-Ti/16 (LayerNorm
// and GELU spelled out), with random weights, built in pot's IR and written by pot's exporter. DATA_DIR/sample_NN.npy: SAMPLES (default 16) random [1,3,224,224] inputs.
//
// BatchNormalization statistics are not random: each BN's running mean and variance are the
// expected per-channel mean and variance of its conv's output, propagated analytically from the
// input through every layer, so each BN normalises its channel and activations keep roughly unit
// scale from the first layer to the last (as in a trained network) instead of exploding or
// vanishing. Everything comes from fixed seeds, so the files are identical from run to run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "pot/core/model_io.hpp"
#include "pot/core/npy.hpp"
#include "pot/error.hpp"
#include "pot/graph.hpp"

namespace {

namespace fs = std::filesystem;
using pot::Attribute;
using pot::DType;
using pot::Graph;
using pot::Node;
using pot::Shape;
using pot::Tensor;

constexpr int64_t kImageSize = 224;
constexpr int64_t kClasses = 1000;
constexpr float kBnEpsilon = 1e-5f;
constexpr double kRelu6Max = 6.0;
// Expected maximum and variance of 9 independent standard normals (a 3x3 max pool window).
constexpr double kMax9Mean = 1.485;
constexpr double kMax9Variance = 0.37;

/// An activation and what the builder expects of its elements: mean and variance (treated as the
/// same for every channel and position; good enough to set BN statistics).
struct Act {
    std::string value;
    int64_t channels = 0;
    int64_t size = 0;  ///< height = width
    double mean = 0.0;
    double variance = 1.0;
};

double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// Mean and variance of max(x, 0) for x ~ N(mean, variance) (the rectified Gaussian).
void rectify(double& mean, double& variance) {
    const double sd = std::sqrt(std::max(variance, 1e-12));
    const double a = mean / sd;
    const double m1 = mean * normal_cdf(a) + sd * normal_pdf(a);
    const double m2 = (mean * mean + variance) * normal_cdf(a) + mean * sd * normal_pdf(a);
    mean = m1;
    variance = std::max(m2 - m1 * m1, 1e-12);
}

class ModelBuilder {
public:
    ModelBuilder(const std::string& name, unsigned seed) : rng_(seed) {
        graph_.name = name;
        graph_.opset = 13;
    }

    Act input(int64_t channels, int64_t size) {
        graph_.inputs.push_back({"input", DType::F32, {1, channels, size, size}});
        // The calibration samples are standard normal.
        return {"input", channels, size, 0.0, 1.0};
    }

    enum class Activation { None, Relu, Relu6, HardSwish };

    /// Conv (no bias) -> BatchNormalization, optionally followed by Relu or Clip(0, 6).
    /// `residual_gamma` marks the last BN of a residual branch, which gets smaller scales so
    /// the sum with the shortcut grows slowly.
    Act conv_bn(const Act& src, const std::string& name, int64_t out_channels, int64_t kernel,
                int64_t stride, int64_t group, Activation fn, bool residual_gamma = false) {
        const int64_t in_per_group = src.channels / group;
        const int64_t fan_in = in_per_group * kernel * kernel;
        Tensor w(DType::F32, {out_channels, in_per_group, kernel, kernel});
        std::normal_distribution<float> wdist(0.0f, static_cast<float>(std::sqrt(1.0 / fan_in)));
        for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = wdist(rng_);
        const std::string w_name = constant(name + ".weight", std::move(w));
        const int64_t pad = kernel / 2;
        const std::string conv = node("Conv", name, {src.value, w_name},
                                      {{"kernel_shape", std::vector<int64_t>{kernel, kernel}},
                                       {"strides", std::vector<int64_t>{stride, stride}},
                                       {"pads", std::vector<int64_t>{pad, pad, pad, pad}},
                                       {"group", group}});

        // Per output channel c the conv sums fan_in inputs: mean = src.mean * sum(w_c),
        // variance = src.variance * sum(w_c^2).
        const Tensor& wt = graph_.constant(w_name);
        Tensor gamma(DType::F32, {out_channels}), beta(DType::F32, {out_channels}),
            mean(DType::F32, {out_channels}), var(DType::F32, {out_channels});
        std::uniform_real_distribution<float> gamma_dist(residual_gamma ? 0.3f : 0.7f,
                                                         residual_gamma ? 0.6f : 1.2f);
        std::uniform_real_distribution<float> beta_dist(-0.2f, 0.2f);
        std::uniform_real_distribution<float> jitter(-0.1f, 0.1f);
        double out_mean = 0.0, out_var = 0.0;
        for (int64_t c = 0; c < out_channels; ++c) {
            double sum = 0.0, sum_sq = 0.0;
            for (int64_t k = 0; k < fan_in; ++k) {
                const double v = wt.data<float>()[c * fan_in + k];
                sum += v;
                sum_sq += v * v;
            }
            const double m = src.mean * sum, v = std::max(src.variance * sum_sq, 1e-6);
            // Running statistics a little off the exact ones, like estimates from real data.
            mean.data<float>()[c] = static_cast<float>(m + jitter(rng_) * std::sqrt(v));
            var.data<float>()[c] = static_cast<float>(v * (1.0 + jitter(rng_)));
            gamma.data<float>()[c] = gamma_dist(rng_);
            beta.data<float>()[c] = beta_dist(rng_);
            out_mean += beta.data<float>()[c];
            out_var += static_cast<double>(gamma.data<float>()[c]) * gamma.data<float>()[c];
        }
        const std::string bn = node("BatchNormalization", name + ".bn",
                                    {conv, constant(name + ".bn.scale", std::move(gamma)),
                                     constant(name + ".bn.bias", std::move(beta)),
                                     constant(name + ".bn.mean", std::move(mean)),
                                     constant(name + ".bn.var", std::move(var))},
                                    {{"epsilon", kBnEpsilon}});
        Act out{bn, out_channels, (src.size + 2 * pad - kernel) / stride + 1,
                out_mean / static_cast<double>(out_channels), out_var / static_cast<double>(out_channels)};
        if (fn == Activation::Relu) return relu(out, name + ".relu");
        if (fn == Activation::Relu6) return relu6(out, name + ".relu6");
        if (fn == Activation::HardSwish) return hard_swish(out, name + ".hswish");
        return out;
    }

    /// x * Clip(x + 3, 0, 6) / 6: HardSwish as exporters for opset 13 and older write it.
    Act hard_swish(Act src, const std::string& name) {
        shared_scalars();
        const std::string sum = node("Add", name + ".add", {src.value, "hswish.three"});
        const std::string gate = node("Clip", name + ".clip", {sum, "relu6.min", "relu6.max"});
        const std::string product = node("Mul", name + ".mul", {src.value, gate});
        src.value = node("Div", name + ".div", {product, "relu6.max"});
        transform_moments(src, [](double x) { return x * std::clamp(x + 3.0, 0.0, kRelu6Max) / kRelu6Max; });
        return src;
    }

    /// Squeeze-and-excitation: x * HardSigmoid(conv(relu(conv(GlobalAveragePool(x))))).
    Act squeeze_excite(const Act& src, const std::string& name, int64_t squeezed) {
        Act pooled{node("GlobalAveragePool", name + ".pool", {src.value}), src.channels, 1, src.mean,
                   src.variance / static_cast<double>(src.size * src.size)};
        Act s = conv_bn(pooled, name + ".fc1", squeezed, 1, 1, 1, Activation::Relu);
        s = conv_bn(s, name + ".fc2", src.channels, 1, 1, 1, Activation::None);
        const std::string gate = node("HardSigmoid", name + ".hsigmoid", {s.value},
                                      {{"alpha", static_cast<float>(1.0 / kRelu6Max)}, {"beta", 0.5f}});
        // The gate centres on 0.5.
        return {node("Mul", name + ".scale", {src.value, gate}), src.channels, src.size, src.mean * 0.5,
                src.variance * 0.25};
    }

    /// Mean and variance of f(x) for x ~ N(src.mean, src.variance), by quadrature over +-8 sd.
    static void transform_moments(Act& src, double (*f)(double)) {
        constexpr int kPoints = 2001;
        const double sd = std::sqrt(std::max(src.variance, 1e-12)), step = 16.0 / (kPoints - 1);
        double m1 = 0.0, m2 = 0.0, weight = 0.0;
        for (int i = 0; i < kPoints; ++i) {
            const double z = -8.0 + i * step, w = normal_pdf(z), y = f(src.mean + sd * z);
            m1 += w * y;
            m2 += w * y * y;
            weight += w;
        }
        src.mean = m1 / weight;
        src.variance = std::max(m2 / weight - src.mean * src.mean, 1e-12);
    }

    Act relu(Act src, const std::string& name) {
        src.value = node("Relu", name, {src.value});
        rectify(src.mean, src.variance);
        return src;
    }

    void shared_scalars() {
        if (graph_.is_constant("relu6.min")) return;
        constant("relu6.min", Tensor::scalar(0.0f));
        constant("relu6.max", Tensor::scalar(static_cast<float>(kRelu6Max)));
        constant("hswish.three", Tensor::scalar(3.0f));
    }

    Act relu6(Act src, const std::string& name) {
        shared_scalars();
        src.value = node("Clip", name, {src.value, "relu6.min", "relu6.max"});
        // Activations stay near unit scale, so the upper clip rarely acts.
        rectify(src.mean, src.variance);
        return src;
    }

    Act add(const Act& a, const Act& b, const std::string& name) {
        POT_CHECK(a.channels == b.channels && a.size == b.size, name, ": residual shapes differ");
        return {node("Add", name, {a.value, b.value}), a.channels, a.size, a.mean + b.mean,
                a.variance + b.variance};
    }

    /// 3x3 stride-2 MaxPool with padding 1 of a rectified activation.
    Act max_pool(const Act& src, const std::string& name) {
        const double sd = std::sqrt(src.variance);
        return {node("MaxPool", name, {src.value},
                     {{"kernel_shape", std::vector<int64_t>{3, 3}},
                      {"strides", std::vector<int64_t>{2, 2}},
                      {"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
                src.channels, (src.size + 2 - 3) / 2 + 1, src.mean + kMax9Mean * sd,
                src.variance * kMax9Variance};
    }

    /// GlobalAveragePool -> Flatten -> Gemm(classes) as the graph output "logits".
    void classifier(const Act& src, int64_t classes) {
        const std::string gap = node("GlobalAveragePool", "gap", {src.value});
        const std::string flat = node("Flatten", "flatten", {gap}, {{"axis", int64_t{1}}});
        Tensor w(DType::F32, {classes, src.channels});
        std::normal_distribution<float> wdist(0.0f, static_cast<float>(std::sqrt(1.0 / src.channels)));
        for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = wdist(rng_);
        Tensor b(DType::F32, {classes});
        std::uniform_real_distribution<float> bdist(-0.1f, 0.1f);
        for (int64_t i = 0; i < b.numel(); ++i) b.data<float>()[i] = bdist(rng_);
        Node n;
        n.name = "fc";
        n.op_type = "Gemm";
        n.inputs = {flat, constant("fc.weight", std::move(w)), constant("fc.bias", std::move(b))};
        n.outputs = {"logits"};
        n.attributes = {{"transB", int64_t{1}}};
        graph_.nodes.push_back(std::move(n));
        graph_.outputs.push_back({"logits", DType::F32, {1, classes}});
    }

    Graph release() { return std::move(graph_); }

    std::string constant(const std::string& name, Tensor value) {
        graph_.initializers[name] = std::move(value);
        return name;
    }

    std::string node(const std::string& op_type, const std::string& name, std::vector<std::string> inputs,
                     std::map<std::string, Attribute> attributes = {}) {
        Node n;
        n.name = name;
        n.op_type = op_type;
        n.inputs = std::move(inputs);
        n.outputs = {name + ".out"};
        n.attributes = std::move(attributes);
        graph_.nodes.push_back(std::move(n));
        return graph_.nodes.back().outputs[0];
    }

    /// A constant of `shape` with N(0, 1/fan_in) values.
    std::string random_weight(const std::string& name, Shape shape, int64_t fan_in) {
        Tensor w(DType::F32, std::move(shape));
        std::normal_distribution<float> dist(0.0f, static_cast<float>(std::sqrt(1.0 / fan_in)));
        for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = dist(rng_);
        return constant(name, std::move(w));
    }

    std::string ints(const std::string& name, std::vector<int64_t> values) {
        const auto n = static_cast<int64_t>(values.size());
        return constant(name, Tensor::from_vector<int64_t>({n}, values));
    }

private:
    Graph graph_;
    std::mt19937 rng_;
};

using Fn = ModelBuilder::Activation;

Graph resnet18_shape() {
    ModelBuilder b("resnet18_shape", 18);
    Act x = b.input(3, kImageSize);
    x = b.conv_bn(x, "conv1", 64, 7, 2, 1, Fn::Relu);
    x = b.max_pool(x, "maxpool");
    const int64_t widths[] = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; ++stage) {
        for (int block = 0; block < 2; ++block) {
            const std::string name = "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
            const int64_t stride = stage > 0 && block == 0 ? 2 : 1;
            const int64_t width = widths[stage];
            Act shortcut = x;
            if (stride != 1 || x.channels != width)
                shortcut = b.conv_bn(x, name + ".downsample", width, 1, stride, 1, Fn::None);
            Act y = b.conv_bn(x, name + ".conv1", width, 3, stride, 1, Fn::Relu);
            y = b.conv_bn(y, name + ".conv2", width, 3, 1, 1, Fn::None, true);
            x = b.relu(b.add(y, shortcut, name + ".add"), name + ".relu");
        }
    }
    b.classifier(x, kClasses);
    return b.release();
}

Graph mobilenet_v2_shape() {
    ModelBuilder b("mobilenet_v2_shape", 2);
    Act x = b.input(3, kImageSize);
    x = b.conv_bn(x, "features.0", 32, 3, 2, 1, Fn::Relu6);
    struct Stage {
        int64_t expand, channels, repeats, stride;
    };
    // The MobileNetV2 paper's table: expansion t, output channels c, repeats n, first stride s.
    const Stage stages[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
                            {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    int index = 1;
    for (const Stage& s : stages) {
        for (int64_t r = 0; r < s.repeats; ++r, ++index) {
            const std::string name = "features." + std::to_string(index);
            const int64_t stride = r == 0 ? s.stride : 1;
            const int64_t hidden = x.channels * s.expand;
            Act y = x;
            if (s.expand != 1) y = b.conv_bn(y, name + ".expand", hidden, 1, 1, 1, Fn::Relu6);
            y = b.conv_bn(y, name + ".dw", hidden, 3, stride, hidden, Fn::Relu6);
            const bool residual = stride == 1 && x.channels == s.channels;
            y = b.conv_bn(y, name + ".project", s.channels, 1, 1, 1, Fn::None, residual);
            x = residual ? b.add(y, x, name + ".add") : y;
        }
    }
    x = b.conv_bn(x, "features." + std::to_string(index), 1280, 1, 1, 1, Fn::Relu6);
    b.classifier(x, kClasses);
    return b.release();
}

/// torchvision's squeeze-and-excitation width: a quarter of the channels, to the nearest multiple
/// of 8 but not more than 10% below the quarter.
int64_t squeezed_channels(int64_t channels) {
    const int64_t quarter = channels / 4;
    int64_t rounded = std::max<int64_t>(8, (quarter + 4) / 8 * 8);
    if (10 * rounded < 9 * quarter) rounded += 8;
    return rounded;
}

/// torchvision's mobilenet_v3_large layer table, with HardSwish spelled out (Add, Clip, Mul, Div)
/// as exporters for opset 13 and older write it and squeeze-and-excitation gates as HardSigmoid;
/// the classifier head is the one of the other shapes (1x1 conv to 1280, pool, Gemm).
Graph mobilenet_v3_shape() {
    ModelBuilder b("mobilenet_v3_shape", 3);
    Act x = b.input(3, kImageSize);
    x = b.conv_bn(x, "features.0", 16, 3, 2, 1, Fn::HardSwish);
    struct Block {
        int64_t kernel, expanded, channels;
        bool squeeze_excite;
        Fn fn;
        int64_t stride;
    };
    const Block blocks[] = {
        {3, 16, 16, false, Fn::Relu, 1},       {3, 64, 24, false, Fn::Relu, 2},
        {3, 72, 24, false, Fn::Relu, 1},       {5, 72, 40, true, Fn::Relu, 2},
        {5, 120, 40, true, Fn::Relu, 1},       {5, 120, 40, true, Fn::Relu, 1},
        {3, 240, 80, false, Fn::HardSwish, 2}, {3, 200, 80, false, Fn::HardSwish, 1},
        {3, 184, 80, false, Fn::HardSwish, 1}, {3, 184, 80, false, Fn::HardSwish, 1},
        {3, 480, 112, true, Fn::HardSwish, 1}, {3, 672, 112, true, Fn::HardSwish, 1},
        {5, 672, 160, true, Fn::HardSwish, 2}, {5, 960, 160, true, Fn::HardSwish, 1},
        {5, 960, 160, true, Fn::HardSwish, 1}};
    int index = 1;
    for (const Block& k : blocks) {
        const std::string name = "features." + std::to_string(index++);
        Act y = x;
        if (k.expanded != x.channels) y = b.conv_bn(y, name + ".expand", k.expanded, 1, 1, 1, k.fn);
        y = b.conv_bn(y, name + ".dw", k.expanded, k.kernel, k.stride, k.expanded, k.fn);
        if (k.squeeze_excite) y = b.squeeze_excite(y, name + ".se", squeezed_channels(k.expanded));
        const bool residual = k.stride == 1 && x.channels == k.channels;
        y = b.conv_bn(y, name + ".project", k.channels, 1, 1, 1, Fn::None, residual);
        x = residual ? b.add(y, x, name + ".add") : y;
    }
    x = b.conv_bn(x, "features." + std::to_string(index), 1280, 1, 1, 1, Fn::HardSwish);
    b.classifier(x, kClasses);
    return b.release();
}

/// Transformer encoder of ViT-Ti/16's width (192, 3 heads, MLP 768) on 224x224 images: 16x16
/// patch embedding, 12 pre-norm blocks, mean-pooled tokens, linear classifier. LayerNorm and
/// GELU are spelled out as exporters for opsets before 17 and 20 write them (ReduceMean, Sub,
/// Pow, Sqrt, Div; Div, Erf, Add, Mul); attention is MatMul, Softmax, MatMul per head batch.
class VitBuilder {
public:
    static constexpr int64_t kDim = 192, kHeads = 3, kMlp = 768, kTokens = 196, kBlocks = 12;

    Graph build() {
        b_.input(3, kImageSize);
        b_.constant("ln.two", Tensor::scalar(2.0f));
        b_.constant("ln.eps", Tensor::scalar(1e-6f));
        b_.constant("gelu.sqrt2", Tensor::scalar(static_cast<float>(std::numbers::sqrt2)));
        b_.constant("gelu.one", Tensor::scalar(1.0f));
        b_.constant("gelu.half", Tensor::scalar(0.5f));
        b_.constant("attn.scale", Tensor::scalar(static_cast<float>(1.0 / std::sqrt(kDim / kHeads))));
        const std::string patches = b_.node(
            "Conv", "patch_embed",
            {"input", b_.random_weight("patch_embed.weight", {kDim, 3, 16, 16}, 3 * 16 * 16),
             b_.random_weight("patch_embed.bias", {kDim}, kDim)},
            {{"kernel_shape", std::vector<int64_t>{16, 16}}, {"strides", std::vector<int64_t>{16, 16}}});
        const std::string flat = b_.node("Reshape", "tokens.flat", {patches, b_.ints("tokens.shape", {1, kDim, kTokens})});
        std::string x = b_.node("Transpose", "tokens", {flat}, {{"perm", std::vector<int64_t>{0, 2, 1}}});
        b_.ints("heads.shape", {1, kTokens, kHeads, kDim / kHeads});
        b_.ints("merged.shape", {1, kTokens, kDim});
        for (int64_t i = 0; i < kBlocks; ++i) {
            const std::string name = "blocks." + std::to_string(i);
            x = b_.node("Add", name + ".attn.residual", {x, attention(layer_norm(x, name + ".norm1"), name + ".attn")});
            x = b_.node("Add", name + ".mlp.residual", {x, mlp(layer_norm(x, name + ".norm2"), name + ".mlp")});
        }
        x = layer_norm(x, "norm");
        const std::string pooled = b_.node("ReduceMean", "pool", {x}, {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
        Node fc;
        fc.name = "head";
        fc.op_type = "Gemm";
        fc.inputs = {pooled, b_.random_weight("head.weight", {kClasses, kDim}, kDim),
                     b_.random_weight("head.bias", {kClasses}, kClasses)};
        fc.outputs = {"logits"};
        fc.attributes = {{"transB", int64_t{1}}};
        Graph g = b_.release();
        g.nodes.push_back(std::move(fc));
        g.outputs.push_back({"logits", DType::F32, {1, kClasses}});
        return g;
    }

private:
    std::string layer_norm(const std::string& x, const std::string& name) {
        const std::map<std::string, Attribute> last{{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{1}}};
        const std::string mean = b_.node("ReduceMean", name + ".mean", {x}, last);
        const std::string centred = b_.node("Sub", name + ".sub", {x, mean});
        const std::string squared = b_.node("Pow", name + ".pow", {centred, "ln.two"});
        const std::string variance = b_.node("ReduceMean", name + ".var", {squared}, last);
        const std::string sd = b_.node("Sqrt", name + ".sqrt", {b_.node("Add", name + ".add_eps", {variance, "ln.eps"})});
        const std::string normed = b_.node("Div", name + ".div", {centred, sd});
        Tensor gamma(DType::F32, {kDim}), beta(DType::F32, {kDim});
        std::uniform_real_distribution<float> g(0.8f, 1.2f), bb(-0.1f, 0.1f);
        for (int64_t c = 0; c < kDim; ++c) {
            gamma.data<float>()[c] = g(rng_);
            beta.data<float>()[c] = bb(rng_);
        }
        const std::string scaled = b_.node("Mul", name + ".scale", {normed, b_.constant(name + ".weight", std::move(gamma))});
        return b_.node("Add", name + ".shift", {scaled, b_.constant(name + ".bias", std::move(beta))});
    }

    std::string linear(const std::string& x, const std::string& name, int64_t in, int64_t out) {
        const std::string product = b_.node("MatMul", name, {x, b_.random_weight(name + ".weight", {in, out}, in)});
        return b_.node("Add", name + ".add_bias", {product, b_.random_weight(name + ".bias", {out}, 100 * out)});
    }

    /// [1, tokens, dim] -> [1, heads, tokens, dim / heads] (or its transpose for keys).
    std::string split_heads(const std::string& x, const std::string& name, bool keys) {
        const std::string shaped = b_.node("Reshape", name + ".heads", {x, "heads.shape"});
        return b_.node("Transpose", name + ".perm", {shaped},
                       {{"perm", keys ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3}}});
    }

    std::string attention(const std::string& x, const std::string& name) {
        const std::string q = split_heads(linear(x, name + ".q", kDim, kDim), name + ".q", false);
        const std::string k = split_heads(linear(x, name + ".k", kDim, kDim), name + ".k", true);
        const std::string v = split_heads(linear(x, name + ".v", kDim, kDim), name + ".v", false);
        const std::string scores = b_.node("Mul", name + ".scores", {b_.node("MatMul", name + ".qk", {q, k}), "attn.scale"});
        const std::string weights = b_.node("Softmax", name + ".softmax", {scores}, {{"axis", int64_t{-1}}});
        const std::string context = b_.node("MatMul", name + ".av", {weights, v});
        const std::string merged = b_.node(
            "Reshape", name + ".merge",
            {b_.node("Transpose", name + ".unperm", {context}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}), "merged.shape"});
        return linear(merged, name + ".proj", kDim, kDim);
    }

    std::string mlp(const std::string& x, const std::string& name) {
        const std::string h = linear(x, name + ".fc1", kDim, kMlp);
        // GELU as exported before opset 20: x * (Erf(x / sqrt(2)) + 1) * 0.5.
        const std::string erf = b_.node("Erf", name + ".gelu.erf", {b_.node("Div", name + ".gelu.div", {h, "gelu.sqrt2"})});
        const std::string gate = b_.node("Add", name + ".gelu.add", {erf, "gelu.one"});
        const std::string gelu = b_.node("Mul", name + ".gelu.half", {b_.node("Mul", name + ".gelu.mul", {h, gate}), "gelu.half"});
        return linear(gelu, name + ".fc2", kMlp, kDim);
    }

    ModelBuilder b_{"vit_shape", 16};
    std::mt19937 rng_{16};
};

void write_samples(const fs::path& dir, int count) {
    fs::create_directories(dir);
    std::mt19937 rng(224);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (int i = 0; i < count; ++i) {
        Tensor t(DType::F32, {1, 3, kImageSize, kImageSize});
        for (int64_t k = 0; k < t.numel(); ++k) t.data<float>()[k] = dist(rng);
        char name[32];
        std::snprintf(name, sizeof name, "sample_%02d.npy", i);
        pot::core::write_npy(dir / name, t);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: " << argv[0] << " MODEL_DIR DATA_DIR [SAMPLES]\n";
        return 2;
    }
    const int samples = argc == 4 ? std::atoi(argv[3]) : 16;
    if (samples < 1 || samples > 99) {
        std::cerr << argv[0] << ": SAMPLES must be 1..99, got '" << argv[3] << "'\n";
        return 2;
    }
    try {
        const fs::path model_dir = argv[1];
        fs::create_directories(model_dir);
        pot::core::save_onnx(resnet18_shape(), model_dir / "resnet18_shape.onnx");
        pot::core::save_onnx(mobilenet_v2_shape(), model_dir / "mobilenet_v2_shape.onnx");
        pot::core::save_onnx(mobilenet_v3_shape(), model_dir / "mobilenet_v3_shape.onnx");
        pot::core::save_onnx(VitBuilder().build(), model_dir / "vit_shape.onnx");
        write_samples(argv[2], samples);
        std::cout << "wrote resnet18_shape.onnx, mobilenet_v2_shape.onnx, mobilenet_v3_shape.onnx and vit_shape.onnx in "
                  << model_dir.string() << " and " << samples << " samples in " << argv[2] << "\n";
    } catch (const std::exception& e) {
        std::cerr << argv[0] << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
