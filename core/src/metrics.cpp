#include "pot/core/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "pot/error.hpp"

namespace pot::core {

int64_t argmax(const Tensor& scores) {
    const auto v = scores.to_floats();
    POT_CHECK(!v.empty(), "cannot take the top-1 class of an empty output");
    return std::max_element(v.begin(), v.end()) - v.begin();
}

void Top1Accuracy::update(const std::vector<Tensor>& outputs, const Sample& sample) {
    POT_CHECK_KIND(Input, sample.label.has_value(), "sample ", sample.index,
                   " has no label; accuracy needs an annotation (engine.annotation)");
    POT_CHECK(!outputs.empty(), "the model produced no output");
    // An index no output position can hold would count as a silent miss on every run.
    const int64_t classes = outputs[0].numel();
    POT_CHECK_KIND(Input, *sample.label >= 0 && *sample.label < classes, "sample ", sample.index,
                   " is labelled ", *sample.label, " but the model's output has ", classes,
                   " classes (0 to ", classes - 1, "); check the annotation");
    const bool correct = argmax(outputs[0]) == *sample.label;
    correct_ += correct ? 1 : 0;
    ++total_;
    outcomes_.emplace_back(sample.index, correct);
}

double OutcomeChanges::standard_error_points() const {
    return samples ? 100.0 * std::sqrt(static_cast<double>(fixed + broken)) / static_cast<double>(samples) : 0.0;
}

OutcomeChanges compare_outcomes(const std::vector<std::pair<size_t, bool>>& first,
                                const std::vector<std::pair<size_t, bool>>& second) {
    std::vector<std::pair<size_t, bool>> a = first, b = second;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    POT_CHECK(a.size() == b.size(), "comparing outcomes of ", a.size(), " and ", b.size(), " samples");
    OutcomeChanges c;
    for (size_t i = 0; i < a.size(); ++i) {
        POT_CHECK(a[i].first == b[i].first, "comparing outcomes of different samples (", a[i].first,
                  " and ", b[i].first, ")");
        c.fixed += !a[i].second && b[i].second ? 1 : 0;
        c.broken += a[i].second && !b[i].second ? 1 : 0;
    }
    c.samples = static_cast<int64_t>(a.size());
    return c;
}

std::vector<double> Top1Accuracy::per_sample() const {
    std::vector<double> out;
    out.reserve(outcomes_.size());
    for (const auto& [index, correct] : outcomes_) out.push_back(correct ? 1.0 : 0.0);
    return out;
}

double Top1Accuracy::value() const {
    return total_ ? 100.0 * static_cast<double>(correct_) / static_cast<double>(total_) : 0.0;
}

void ReferenceOutputs::update(const std::vector<Tensor>& outputs, const Sample& sample) {
    POT_CHECK(!outputs.empty(), "the model produced no output");
    auto it = std::lower_bound(outputs_.begin(), outputs_.end(), sample.index,
                               [](const auto& e, size_t i) { return e.first < i; });
    outputs_.insert(it, {sample.index, outputs[0].to_floats()});
}

const std::vector<float>* ReferenceOutputs::find(size_t index) const {
    auto it = std::lower_bound(outputs_.begin(), outputs_.end(), index,
                               [](const auto& e, size_t i) { return e.first < i; });
    return it != outputs_.end() && it->first == index ? &it->second : nullptr;
}

void ReferenceOutputs::absorb(ReferenceOutputs&& other) {
    for (auto& [index, values] : other.outputs_) {
        auto it = std::lower_bound(outputs_.begin(), outputs_.end(), index,
                                   [](const auto& e, size_t i) { return e.first < i; });
        if (it == outputs_.end() || it->first != index) outputs_.insert(it, {index, std::move(values)});
    }
    other.outputs_.clear();
}

double cosine_similarity(const std::vector<float>& a, const std::vector<float>& b) {
    POT_CHECK(a.size() == b.size(), "cosine similarity of vectors of ", a.size(), " and ", b.size(),
              " values");
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += static_cast<double>(a[i]) * b[i];
        na += static_cast<double>(a[i]) * a[i];
        nb += static_cast<double>(b[i]) * b[i];
    }
    if (na == 0 && nb == 0) return 1.0;
    if (na == 0 || nb == 0) return 0.0;
    return dot / std::sqrt(na * nb);
}

void Top1Agreement::update(const std::vector<Tensor>& outputs, const Sample& sample) {
    const auto* ref = reference_.find(sample.index);
    POT_CHECK(ref != nullptr, "no reference output for sample ", sample.index);
    POT_CHECK(!outputs.empty(), "the model produced no output");
    const auto v = outputs[0].to_floats();
    const auto ref_top = std::max_element(ref->begin(), ref->end()) - ref->begin();
    const auto top = std::max_element(v.begin(), v.end()) - v.begin();
    same_ += ref_top == top ? 1 : 0;
    agrees_.push_back(ref_top == top ? 1.0 : 0.0);
    cosine_sum_ += cosine_similarity(*ref, v);
    ++total_;
}

double Top1Agreement::value() const {
    return total_ ? 100.0 * static_cast<double>(same_) / static_cast<double>(total_) : 0.0;
}

}  // namespace pot::core
