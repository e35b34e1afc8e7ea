#pragma once

#include <memory>
#include <vector>

#include "pot/data.hpp"

namespace pot::core {

/// Index of the largest value of a [1, classes] (or [classes]) output.
int64_t argmax(const Tensor& scores);

/// Fraction of samples whose top-1 class (argmax of output 0) equals the label, in percent.
/// Throws when a sample has no label.
class Top1Accuracy final : public Metric {
public:
    std::string name() const override { return "accuracy@top1"; }
    void reset() override {
        correct_ = total_ = 0;
        outcomes_.clear();
    }
    void update(const std::vector<Tensor>& outputs, const Sample& sample) override;
    double value() const override;
    std::vector<double> per_sample() const override;
    /// Whether each sample seen since reset() was classified correctly, by sample index.
    const std::vector<std::pair<size_t, bool>>& outcomes() const { return outcomes_; }

private:
    int64_t correct_ = 0, total_ = 0;
    std::vector<std::pair<size_t, bool>> outcomes_;
};

/// How a second run's per-sample outcomes differ from a first's on the same samples: samples
/// the second gets right that the first got wrong (fixed), and the reverse (broken). The accuracy
/// difference is (broken - fixed) / n; with McNemar's reasoning its standard error is
/// sqrt(fixed + broken) / n, which says whether a small drop is more than chance.
struct OutcomeChanges {
    int64_t fixed = 0, broken = 0, samples = 0;
    /// Standard error of the accuracy difference, in percentage points.
    double standard_error_points() const;
};
OutcomeChanges compare_outcomes(const std::vector<std::pair<size_t, bool>>& first,
                                const std::vector<std::pair<size_t, bool>>& second);

/// Outputs of a reference (FP32) run, recorded per sample index, to compare another run against.
class ReferenceOutputs final : public Metric {
public:
    std::string name() const override { return "reference"; }
    void reset() override { outputs_.clear(); }
    void update(const std::vector<Tensor>& outputs, const Sample& sample) override;
    double value() const override { return static_cast<double>(outputs_.size()); }
    /// Not a score: 1 for each sample recorded.
    std::vector<double> per_sample() const override { return std::vector<double>(outputs_.size(), 1.0); }
    const std::vector<float>* find(size_t index) const;
    /// Adds the outputs `other` recorded (kept here where both have a sample).
    void absorb(ReferenceOutputs&& other);

private:
    std::vector<std::pair<size_t, std::vector<float>>> outputs_;  // sorted by index on insert
};

/// Agreement of output 0 with a reference run, for data without labels: percent of samples with
/// the same top-1 class (value()), and mean cosine similarity (mean_cosine()).
class Top1Agreement final : public Metric {
public:
    explicit Top1Agreement(const ReferenceOutputs& reference) : reference_(reference) {}
    std::string name() const override { return "agreement@top1"; }
    void reset() override {
        same_ = total_ = 0;
        cosine_sum_ = 0;
        agrees_.clear();
    }
    void update(const std::vector<Tensor>& outputs, const Sample& sample) override;
    double value() const override;
    std::vector<double> per_sample() const override { return agrees_; }
    double mean_cosine() const { return total_ ? cosine_sum_ / static_cast<double>(total_) : 0.0; }

private:
    const ReferenceOutputs& reference_;
    int64_t same_ = 0, total_ = 0;
    double cosine_sum_ = 0;
    std::vector<double> agrees_;
};

/// Cosine similarity of two equally long vectors (1 when both are zero).
double cosine_similarity(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace pot::core
