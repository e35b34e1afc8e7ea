#include "model_builders.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace pot::test {

Tensor uniform_tensor(const Shape& shape, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    Tensor t(DType::F32, shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
    return t;
}

Graph conv_relu_graph(const ConvReluSpec& spec) {
    Graph g;
    g.name = "conv_relu";
    g.opset = 13;
    g.inputs.push_back({"x", DType::F32, {1, spec.in_channels, spec.size, spec.size}});
    g.outputs.push_back({"y", DType::F32, {1, spec.out_channels, spec.size, spec.size}});
    g.initializers["conv.weight"] =
        uniform_tensor({spec.out_channels, spec.in_channels, spec.kernel, spec.kernel}, spec.seed);
    Node conv{"conv", "Conv", "", {"x", "conv.weight"}, {"conv_out"}, {}};
    if (spec.with_bias) {
        g.initializers["conv.bias"] = uniform_tensor({spec.out_channels}, spec.seed + 1);
        conv.inputs.push_back("conv.bias");
    }
    const int64_t pad = spec.kernel / 2;
    conv.attributes["pads"] = std::vector<int64_t>{pad, pad, pad, pad};
    conv.attributes["kernel_shape"] = std::vector<int64_t>{spec.kernel, spec.kernel};
    g.nodes.push_back(conv);
    g.nodes.push_back({"relu", "Relu", "", {"conv_out"}, {"y"}, {}});
    g.value_info["conv_out"] = {"conv_out", DType::F32, {1, spec.out_channels, spec.size, spec.size}};
    return g;
}

Tensor conv2d_reference(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t pad) {
    const int64_t n = x.dim(0), c_in = x.dim(1), h = x.dim(2), wd = x.dim(3);
    const int64_t c_out = w.dim(0), kh = w.dim(2), kw = w.dim(3);
    const int64_t oh = h + 2 * pad - kh + 1, ow = wd + 2 * pad - kw + 1;
    Tensor y(DType::F32, {n, c_out, oh, ow});
    const float* px = x.data<float>();
    const float* pw = w.data<float>();
    float* py = y.data<float>();
    for (int64_t b = 0; b < n; ++b)
        for (int64_t o = 0; o < c_out; ++o)
            for (int64_t i = 0; i < oh; ++i)
                for (int64_t j = 0; j < ow; ++j) {
                    float acc = bias.numel() > 0 ? bias.data<float>()[o] : 0.0f;
                    for (int64_t c = 0; c < c_in; ++c)
                        for (int64_t u = 0; u < kh; ++u)
                            for (int64_t v = 0; v < kw; ++v) {
                                const int64_t r = i + u - pad, s = j + v - pad;
                                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                                acc += px[((b * c_in + c) * h + r) * wd + s] *
                                       pw[((o * c_in + c) * kh + u) * kw + v];
                            }
                    py[((b * c_out + o) * oh + i) * ow + j] = acc;
                }
    return y;
}

Tensor relu_reference(const Tensor& x) {
    Tensor y = x;
    for (int64_t i = 0; i < y.numel(); ++i) y.data<float>()[i] = std::max(y.data<float>()[i], 0.0f);
    return y;
}

FakeQuantizeParams fake_quantize_params(DType dtype, std::vector<float> scale,
                                        std::vector<int32_t> zero_point, int64_t axis,
                                        int64_t levels) {
    QuantEncoding enc;
    enc.dtype = dtype;
    enc.axis = scale.size() > 1 ? axis : -1;
    enc.levels = levels;
    enc.q_min = dtype == DType::I8 ? -static_cast<int32_t>(levels / 2) : 0;
    enc.q_max = enc.q_min + static_cast<int32_t>(levels) - 1;
    enc.scale = std::move(scale);
    enc.zero_point = std::move(zero_point);
    return fake_quantize_from_encoding(enc);
}

Tensor apply_fake_quantize(const Tensor& src, const FakeQuantizeParams& params) {
    Tensor dst;
    fake_quantize(src, params, dst);
    return dst;
}

const Node& node_named(const Graph& graph, const std::string& name) {
    auto index = graph.find_node(name);
    if (!index) throw std::runtime_error("no node named '" + name + "'");
    return graph.nodes[*index];
}

std::vector<std::string> op_types(const Graph& graph) {
    std::vector<std::string> ops;
    for (const auto& n : graph.nodes) ops.push_back(n.op_type);
    return ops;
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
    EXPECT_EQ(a.shape(), b.shape());
    if (a.shape() != b.shape()) return INFINITY;
    const auto va = a.to_floats(), vb = b.to_floats();
    float worst = 0.0f;
    for (size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::fabs(va[i] - vb[i]));
    return worst;
}

namespace {
void expect_close(const std::vector<float>& a, const std::vector<float>& b, float tol, const std::string& what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (size_t i = 0; i < a.size(); ++i)
        EXPECT_NEAR(a[i], b[i], tol * std::max(1.0f, std::fabs(a[i]))) << what << " [" << i << "]";
}

void expect_same_attribute(const Attribute& a, const Attribute& b, float tol, const std::string& what) {
    ASSERT_EQ(a.index(), b.index()) << what << ": attribute types differ";
    if (const auto* fa = std::get_if<float>(&a)) EXPECT_NEAR(*fa, std::get<float>(b), tol) << what;
    else if (const auto* ta = std::get_if<Tensor>(&a)) {
        const Tensor& tb = std::get<Tensor>(b);
        EXPECT_EQ(ta->dtype(), tb.dtype()) << what;
        EXPECT_EQ(ta->shape(), tb.shape()) << what;
        expect_close(ta->to_floats(), tb.to_floats(), tol, what);
    } else if (const auto* ia = std::get_if<int64_t>(&a)) {
        EXPECT_EQ(*ia, std::get<int64_t>(b)) << what;
    } else if (const auto* sa = std::get_if<std::string>(&a)) {
        EXPECT_EQ(*sa, std::get<std::string>(b)) << what;
    } else if (const auto* va = std::get_if<std::vector<int64_t>>(&a)) {
        EXPECT_EQ(*va, std::get<std::vector<int64_t>>(b)) << what;
    } else if (const auto* fa_list = std::get_if<std::vector<float>>(&a)) {
        expect_close(*fa_list, std::get<std::vector<float>>(b), tol, what);
    } else {
        EXPECT_EQ(std::get<std::vector<std::string>>(a), std::get<std::vector<std::string>>(b)) << what;
    }
}
}  // namespace

void expect_same_graph(const Graph& expected, const Graph& actual, float float_tolerance) {
    EXPECT_EQ(expected.opset, actual.opset);
    ASSERT_EQ(op_types(expected), op_types(actual));
    for (size_t i = 0; i < expected.nodes.size(); ++i) {
        const Node& e = expected.nodes[i];
        const Node& a = actual.nodes[i];
        EXPECT_EQ(e.name, a.name);
        EXPECT_EQ(e.domain, a.domain) << e.describe();
        EXPECT_EQ(e.inputs, a.inputs) << e.describe();
        EXPECT_EQ(e.outputs, a.outputs) << e.describe();
        ASSERT_EQ(e.attributes.size(), a.attributes.size()) << e.describe();
        for (const auto& [key, value] : e.attributes) {
            ASSERT_TRUE(a.has_attr(key)) << e.describe() << " lost attribute " << key;
            expect_same_attribute(value, a.attributes.at(key), float_tolerance, e.describe() + "." + key);
        }
    }
    std::vector<std::string> expected_names, actual_names;
    for (const auto& [name, t] : expected.initializers) expected_names.push_back(name);
    for (const auto& [name, t] : actual.initializers) actual_names.push_back(name);
    ASSERT_EQ(expected_names, actual_names);
    for (const auto& [name, t] : expected.initializers) {
        const Tensor& other = actual.initializers.at(name);
        EXPECT_EQ(t.dtype(), other.dtype()) << name;
        EXPECT_EQ(t.shape(), other.shape()) << name;
        if (t.dtype() == DType::F32) expect_close(t.to_floats(), other.to_floats(), float_tolerance, name);
        else EXPECT_EQ(t.to_ints(), other.to_ints()) << name;
    }
    ASSERT_EQ(expected.inputs.size(), actual.inputs.size());
    for (size_t i = 0; i < expected.inputs.size(); ++i) {
        EXPECT_EQ(expected.inputs[i].name, actual.inputs[i].name);
        EXPECT_EQ(expected.inputs[i].dtype, actual.inputs[i].dtype);
        EXPECT_EQ(expected.inputs[i].shape, actual.inputs[i].shape);
    }
    ASSERT_EQ(expected.outputs.size(), actual.outputs.size());
    for (size_t i = 0; i < expected.outputs.size(); ++i) {
        EXPECT_EQ(expected.outputs[i].name, actual.outputs[i].name);
        EXPECT_EQ(expected.outputs[i].dtype, actual.outputs[i].dtype);
    }
}

}  // namespace pot::test
