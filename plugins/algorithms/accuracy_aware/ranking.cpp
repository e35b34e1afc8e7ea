#include "ranking.hpp"

#include <algorithm>
#include <numeric>

#include "layers.hpp"
#include "pot/error.hpp"
#include "pot/sample_reader.hpp"

namespace pot::accuracy_aware {

namespace {

// The outputs of `graph` on samples `subset`, flattened per sample.
std::vector<std::vector<float>> flat_outputs(HostServices& host, const Graph& graph, const std::vector<size_t>& subset) {
    auto model = host.engine().compile(graph);
    SampleReader reader(host.evaluation_data(), subset);
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i < subset.size(); ++i) {
        std::vector<float> flat;
        for (const auto& t : model->infer(reader.next().inputs)) {
            const auto values = t.to_floats();
            flat.insert(flat.end(), values.begin(), values.end());
        }
        out.push_back(std::move(flat));
    }
    return out;
}

// Mean over the samples of |y - y_float|^2 / |y_float|^2 (the error over the signal when the
// float output is all zeros).
double output_error(const std::vector<std::vector<float>>& outputs, const std::vector<std::vector<float>>& reference,
                    const std::vector<size_t>& subset) {
    double total = 0;
    for (size_t i = 0; i < outputs.size(); ++i) {
        POT_CHECK(outputs[i].size() == reference[i].size(), kAlgorithmName, ": sample ", subset[i],
                  ": the quantized model gives ", outputs[i].size(), " output values, the float model ",
                  reference[i].size());
        double error = 0, signal = 0;
        for (size_t k = 0; k < outputs[i].size(); ++k) {
            const double d = static_cast<double>(outputs[i][k]) - reference[i][k];
            error += d * d;
            signal += static_cast<double>(reference[i][k]) * reference[i][k];
        }
        total += signal > 0 ? error / signal : error;
    }
    return outputs.empty() ? 0 : total / static_cast<double>(outputs.size());
}

}  // namespace

std::vector<size_t> ranking_subset(const std::vector<size_t>& indices, const std::vector<double>& float_scores,
                                   const std::vector<double>& quantized_scores, bool higher_is_better,
                                   size_t size) {
    POT_CHECK(float_scores.size() == indices.size() && quantized_scores.size() == indices.size(),
              "AccuracyAwareQuantization: per-sample scores do not match the samples (", indices.size(),
              " samples, ", float_scores.size(), " float and ", quantized_scores.size(), " quantized scores)");
    std::vector<size_t> order(indices.size());
    std::iota(order.begin(), order.end(), size_t{0});
    const auto loss = [&](size_t k) {
        const double d = float_scores[k] - quantized_scores[k];
        return higher_is_better ? d : -d;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return loss(a) > loss(b); });
    order.resize(std::min(size, order.size()));
    std::vector<size_t> subset;
    for (size_t k : order) subset.push_back(indices[k]);
    return subset;
}

std::vector<RankedLayer> rank_layers(const Graph& graph, const std::vector<std::string>& candidates,
                                     const std::vector<size_t>& subset, RankingMethod method,
                                     HostServices& host, const std::function<bool()>& out_of_time) {
    std::vector<std::vector<float>> reference;
    if (method == RankingMethod::OutputError) reference = flat_outputs(host, host.float_model(), subset);
    std::vector<RankedLayer> ranked;
    for (const auto& layer : candidates) {
        if (out_of_time()) break;
        Graph candidate = graph;
        revert_layer(candidate, layer);
        double score = 0;
        if (method == RankingMethod::Metric) {
            const auto result = host.evaluate(candidate, subset);
            score = result.higher_is_better ? result.value : -result.value;
        } else {
            score = -output_error(flat_outputs(host, candidate, subset), reference, subset);
        }
        ranked.push_back({layer, score});
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const RankedLayer& a, const RankedLayer& b) {
        return a.score != b.score ? a.score > b.score : a.layer < b.layer;
    });
    return ranked;
}

}  // namespace pot::accuracy_aware
