#include "annotation_free.hpp"

#include <algorithm>
#include <cmath>

#include "pot/error.hpp"
#include "settings.hpp"

namespace pot::accuracy_aware {

double confidence(const std::vector<float>& scores) {
    if (scores.empty()) return 0;
    const bool probabilities = std::all_of(scores.begin(), scores.end(), [](float v) { return v >= 0 && v <= 1; });
    const double top = *std::max_element(scores.begin(), scores.end());
    if (probabilities) return top;
    double sum = 0;
    for (float v : scores) sum += std::exp(static_cast<double>(v) - top);
    return 1.0 / sum;  // exp(top - top) / sum
}

std::vector<size_t> confident_samples(const Graph& float_model, HostServices& host, double threshold) {
    const DataLoader& data = host.evaluation_data();
    auto model = host.engine().compile(float_model);
    std::vector<size_t> kept;
    for (size_t i = 0; i < data.size(); ++i) {
        const auto outputs = model->infer(data.get(i).inputs);
        POT_CHECK(!outputs.empty(), kAlgorithmName, ": the float model gave no output for sample ", i);
        if (confidence(outputs.front().to_floats()) > threshold) kept.push_back(i);
    }
    return kept;
}

}  // namespace pot::accuracy_aware
