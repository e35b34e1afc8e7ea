#pragma once

#include <random>
#include <string>
#include <vector>

#include "pot/fake_quantize.hpp"
#include "pot/graph.hpp"

namespace pot::test {

/// Builds small graphs in memory: every helper adds a node and returns its output value name.
class GraphBuilder {
public:
    explicit GraphBuilder(uint32_t seed = 1) : rng_(seed) {}

    Graph& graph() { return graph_; }

    std::string input(const std::string& name, Shape shape) {
        graph_.inputs.push_back({name, DType::F32, std::move(shape)});
        return name;
    }
    void output(const std::string& value) { graph_.outputs.push_back({value, DType::F32, {}}); }

    std::string constant(Tensor t) {
        const std::string name = fresh("c");
        graph_.initializers[name] = std::move(t);
        return name;
    }
    /// Uniform random constant in [lo, hi].
    std::string random_constant(Shape shape, float lo = -1.0f, float hi = 1.0f) {
        return constant(random_tensor(std::move(shape), lo, hi));
    }
    Tensor random_tensor(Shape shape, float lo = -1.0f, float hi = 1.0f) {
        std::uniform_real_distribution<float> dist(lo, hi);
        std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
        for (auto& x : v) x = dist(rng_);
        return Tensor::from_vector<float>(std::move(shape), v);
    }

    std::string node(const std::string& op, std::vector<std::string> inputs,
                     std::map<std::string, Attribute> attrs = {}, const std::string& domain = "") {
        Node n;
        n.name = fresh(op);
        n.op_type = op;
        n.domain = domain;
        n.inputs = std::move(inputs);
        n.outputs = {n.name + "_out"};
        n.attributes = std::move(attrs);
        graph_.nodes.push_back(n);
        return n.outputs[0];
    }

    std::string conv(const std::string& x, int64_t in_c, int64_t out_c, int64_t k,
                     std::map<std::string, Attribute> attrs = {}, bool bias = true, int64_t group = 1) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(in_c / group * k * k));
        std::vector<std::string> ins{x, random_constant({out_c, in_c / group, k, k}, -bound, bound)};
        if (bias) ins.push_back(random_constant({out_c}, -0.2f, 0.2f));
        attrs["group"] = group;
        if (!attrs.count("pads")) attrs["pads"] = std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2};
        return node("Conv", ins, attrs);
    }

    /// FakeQuantize with per-tensor bounds [lo, hi] (affine: output bounds equal input bounds).
    std::string fq(const std::string& x, float lo, float hi, int64_t levels = 256) {
        const auto l = constant(Tensor::scalar(lo)), h = constant(Tensor::scalar(hi));
        return node(kFakeQuantizeOp, {x, l, h, l, h}, {{"levels", levels}}, kFakeQuantizeDomain);
    }
    /// FakeQuantize of `spec` fitted to [lo, hi].
    std::string fq_spec(const std::string& x, float lo, float hi, const QuantSpec& spec) {
        const auto p = fake_quantize_from_range({lo}, {hi}, spec, -1);
        return fq(x, p.input_low[0], p.input_high[0], p.levels);
    }
    /// Per-output-channel symmetric int8 FakeQuantize of constant weights `w` (axis `axis`).
    std::string fq_weights(const std::string& w, int64_t axis = 0, int64_t levels = 255) {
        const Tensor& t = graph_.initializers.at(w);
        const int64_t channels = t.dim(axis);
        int64_t inner = 1;
        for (int64_t d = axis + 1; d < t.rank(); ++d) inner *= t.dim(d);
        std::vector<float> lo(static_cast<size_t>(channels)), hi(lo.size());
        const auto values = t.to_floats();
        for (size_t i = 0; i < values.size(); ++i) {
            const size_t c = (i / static_cast<size_t>(inner)) % static_cast<size_t>(channels);
            hi[c] = std::max(hi[c], std::fabs(values[i]));
        }
        QuantSpec spec;
        spec.bits = levels <= 128 ? 7 : 8;
        spec.narrow_range = levels == 255 || levels == 127;
        const auto p = fake_quantize_from_range(lo, hi, spec, axis);
        Shape bound_shape(static_cast<size_t>(t.rank()), 1);
        bound_shape[static_cast<size_t>(axis)] = channels;
        const auto l = constant(Tensor::from_vector<float>(bound_shape, p.input_low));
        const auto h = constant(Tensor::from_vector<float>(bound_shape, p.input_high));
        return node(kFakeQuantizeOp, {w, l, h, l, h}, {{"levels", p.levels}}, kFakeQuantizeDomain);
    }
    /// Conv whose weights pass through a per-channel FakeQuantize.
    std::string qconv(const std::string& x, int64_t in_c, int64_t out_c, int64_t k,
                      std::map<std::string, Attribute> attrs = {}, int64_t group = 1,
                      int64_t weight_levels = 255) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(in_c / group * k * k));
        const auto w = random_constant({out_c, in_c / group, k, k}, -bound, bound);
        attrs["group"] = group;
        if (!attrs.count("pads")) attrs["pads"] = std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2};
        return node("Conv", {x, fq_weights(w, 0, weight_levels), random_constant({out_c}, -0.2f, 0.2f)},
                    attrs);
    }

private:
    std::string fresh(const std::string& base) { return base + std::to_string(counter_++); }

    Graph graph_;
    std::mt19937 rng_;
    int counter_ = 0;
};

}  // namespace pot::test
