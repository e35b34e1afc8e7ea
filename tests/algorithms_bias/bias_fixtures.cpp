#include "bias_fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "graph_builder.hpp"
#include "pot/core/pipeline.hpp"

namespace pot::test {

nlohmann::json run_pipeline(PluginHost& host,
                            const std::vector<std::pair<std::string, std::string>>& algorithms,
                            Graph& graph, const DataLoader& data) {
    core::Logger logger(LogLevel::Warning);
    const Graph float_model = graph;
    core::Evaluator evaluator(host.engine(), data, float_model, host.metric());
    core::Session session(host.engine(), data, evaluator, "CPU", logger, nullptr);
    std::vector<core::AlgorithmConfig> configs;
    for (size_t i = 0; i < algorithms.size(); ++i)
        configs.push_back({algorithms[i].first, algorithms[i].second,
                           "/compression/algorithms/" + std::to_string(i)});
    core::Pipeline pipeline(host.registry(), configs);
    pipeline.run(graph, session);
    return session.algorithm_reports();
}

std::vector<Tensor> run_model(PluginHost& host, const Graph& graph, const DataLoader& data) {
    const auto model = host.engine().compile(graph);
    std::vector<Tensor> outputs;
    for (size_t i = 0; i < data.size(); ++i) outputs.push_back(model->infer(data.get(i).inputs).at(0));
    return outputs;
}

std::vector<double> output_channel_means(const std::vector<Tensor>& outputs, int64_t axis) {
    const Tensor& first = outputs.at(0);
    const int64_t channels = first.dim(axis);
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < first.rank(); ++d) inner *= first.dim(d);
    std::vector<double> sums(static_cast<size_t>(channels), 0.0);
    double count = 0;
    for (const auto& t : outputs) {
        const auto v = t.to_floats();
        for (size_t i = 0; i < v.size(); ++i)
            sums[static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels)] += v[i];
        count += static_cast<double>(v.size()) / static_cast<double>(channels);
    }
    for (auto& s : sums) s /= count;
    return sums;
}

double mean_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += std::fabs(a[i] - b.at(i));
    return sum / static_cast<double>(a.size());
}

double max_relative_difference(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    double largest = 0, diff = 0;
    for (size_t s = 0; s < a.size(); ++s) {
        const auto x = a[s].to_floats(), y = b.at(s).to_floats();
        for (size_t i = 0; i < x.size(); ++i) {
            largest = std::max(largest, std::fabs(static_cast<double>(x[i])));
            diff = std::max(diff, std::fabs(static_cast<double>(x[i]) - y.at(i)));
        }
    }
    return diff / std::max(largest, 1e-12);
}

Tensor round_down_weights(Shape shape, unsigned seed) {
    Tensor w(DType::F32, std::move(shape));
    const int64_t filters = w.dim(0);
    const int64_t per_filter = w.numel() / filters;
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> code(-110, 110);
    float* v = w.data<float>();
    for (int64_t f = 0; f < filters; ++f) {
        for (int64_t i = 0; i < per_filter; ++i) {
            const int q = code(rng);
            // (q + 0.4) rounds towards q for either sign of q: the error is always -0.4 steps.
            v[f * per_filter + i] = (static_cast<float>(q) + 0.4f) / 127.0f;
        }
        v[f * per_filter] = 1.0f;
    }
    return w;
}

Tensor on_grid_weights(Shape shape, unsigned seed) {
    Tensor w = round_down_weights(std::move(shape), seed);
    for (int64_t i = 0; i < w.numel(); ++i)
        w.data<float>()[i] = std::round(w.data<float>()[i] * 127.0f) / 127.0f;
    return w;
}

Graph biased_conv_model(float bias, unsigned seed) {
    GraphBuilder b("biased_conv");
    const auto x = b.input("input", {-1, 8, 10, 10});
    const auto w = b.constant("w", round_down_weights({4, 8, 3, 3}, seed));
    const auto bias_value =
        b.constant("b", Tensor::from_vector<float>({4}, std::vector<float>(4, bias)));
    const auto y =
        b.node("Conv", {x, w, bias_value}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}, "conv");
    b.output(y, {-1, 4, 10, 10});
    return b.build();
}

Graph biased_two_conv_model(unsigned seed) {
    GraphBuilder b("biased_two_conv");
    const auto x = b.input("input", {-1, 8, 8, 8});
    const auto w1 = b.constant("w1", round_down_weights({8, 8, 3, 3}, seed));
    const auto b1 = b.constant("b1", Tensor::from_vector<float>({8}, std::vector<float>(8, 2.0f)));
    const auto c1 = b.node("Conv", {x, w1, b1}, {}, "conv1");
    const auto r1 = b.node("Relu", {c1}, {}, "relu1");
    const auto w2 = b.constant("w2", round_down_weights({4, 8, 3, 3}, seed + 1));
    const auto b2 = b.constant("b2", Tensor::from_vector<float>({4}, std::vector<float>(4, 1.0f)));
    const auto y = b.node("Conv", {r1, w2, b2}, {}, "conv2");
    b.output(y, {-1, 4, 4, 4});
    return b.build();
}

Graph biased_matmul_model(unsigned seed) {
    GraphBuilder b("biased_matmul");
    const auto x = b.input("input", {-1, 32, 16});
    // MatMul weights are [K, M] with output channels along M: build them as [M, K] and transpose.
    const Tensor wt = round_down_weights({6, 16}, seed);
    Tensor w(DType::F32, {16, 6});
    for (int64_t m = 0; m < 6; ++m)
        for (int64_t k = 0; k < 16; ++k) w.data<float>()[k * 6 + m] = wt.data<float>()[m * 16 + k];
    const auto mm = b.node("MatMul", {x, b.constant("w", w)}, {}, "matmul");
    const auto y = b.node(
        "Add", {mm, b.constant("b", Tensor::from_vector<float>({6}, std::vector<float>(6, 0.5f)))},
        {}, "add");
    b.output(y, {-1, 32, 6});
    return b.build();
}

VectorData framed_samples(size_t count, const Shape& shape, int64_t border, unsigned seed) {
    auto samples = random_samples(count, shape, seed, 0.0f, 1.0f);
    const int64_t height = shape.at(2), width = shape.at(3);
    for (auto& t : samples) {
        float* v = t.data<float>();
        for (int64_t i = 0; i < t.numel(); ++i) {
            const int64_t y = (i / width) % height, x = i % width;
            if (y < border || x < border || y >= height - border || x >= width - border)
                v[i] = 0.0f;
        }
    }
    return VectorData(std::move(samples));
}

VectorData positive_samples(size_t count, const Shape& shape, unsigned seed) {
    return VectorData(random_samples(count, shape, seed, 0.0f, 1.0f));
}

}  // namespace pot::test
