#pragma once
// The standard metrics: accuracy against class-index annotations, and agreement, cosine similarity
// and SQNR against the float model's outputs (for data without annotations, and for outputs of any
// rank: sequences, segmentation maps).
#include <string>
#include <vector>

#include "pot/data.hpp"
#include "pot/params.hpp"
#include "pot/similarity.hpp"

namespace pot::metrics {

/// Shared bookkeeping: one score per sample, the value their mean in percent (or as is).
class ScoredMetric : public Metric {
public:
    /// Reads the "output" parameter; the derived metric reads its own, then rejects unknown keys.
    explicit ScoredMetric(const Params& params);
    void reset() override { scores_.clear(); }
    std::vector<double> per_sample() const override { return scores_; }
    double value() const override;

protected:
    /// The output a metric reads ("output" parameter, default 0), checked against `outputs`.
    const Tensor& output(const std::vector<Tensor>& outputs, const Sample& sample) const;
    /// The float model's output matching `out` (the output this metric reads), checked to exist
    /// and to have out's shape.
    const Tensor& reference_for(const Tensor& out, const std::vector<Tensor>& reference, const Sample& sample) const;
    int64_t output_index_ = 0;
    std::vector<double> scores_;
};

/// "accuracy": percent of samples whose class index is among the top_k scores of the output
/// (flattened). Params: top_k (default 1), output (default 0).
class Accuracy final : public ScoredMetric {
public:
    explicit Accuracy(const Params& params);
    std::string name() const override { return "accuracy@top" + std::to_string(top_k_); }
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;

private:
    int64_t top_k_ = 1;
};

/// Agreement of the argmax over the output's last axis with the float model's, at every position
/// (one position for a classifier, one per step for a sequence). Params: output.
class Agreement : public ScoredMetric {
public:
    Agreement(const Params& params, bool per_position);
    std::string name() const override { return per_position_ ? "agreement@positions" : "agreement@top1"; }
    bool needs_reference() const override { return true; }
    void reset() override;
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;
    double value() const override;

private:
    bool per_position_;
    int64_t agreeing_ = 0, positions_ = 0;
};

/// "agreement": percent of samples that agree at every position.
class SampleAgreement final : public Agreement {
public:
    explicit SampleAgreement(const Params& params) : Agreement(params, false) {}
};

/// "position_agreement": percent of positions that agree, over all samples.
class PositionAgreement final : public Agreement {
public:
    explicit PositionAgreement(const Params& params) : Agreement(params, true) {}
};

/// "ctc_exact_match": percent of samples whose greedy CTC decoding of the output equals the
/// sample's text annotation. The output holds one score vector per step on its last axis (e.g.
/// [1, steps, classes]); decoding takes the argmax per step, merges repeats and drops the blank.
/// Params: alphabet (required, UTF-8: the symbols of the non-blank classes in class order),
/// blank (the blank's class index, default 0), output.
class CtcExactMatch final : public ScoredMetric {
public:
    explicit CtcExactMatch(const Params& params);
    std::string name() const override { return "ctc_exact_match"; }
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;

    /// The text a [..., classes] score tensor decodes to.
    std::string decode(const Tensor& scores) const;

private:
    std::vector<std::string> symbols_;  ///< one per class; the blank's is empty
    int64_t blank_ = 0;
};

/// "cosine": mean over samples of the cosine similarity of the output with the float model's.
class Cosine final : public ScoredMetric {
public:
    explicit Cosine(const Params& params);
    std::string name() const override { return "cosine"; }
    bool needs_reference() const override { return true; }
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;
};

/// "sqnr": signal-to-quantization-noise ratio of the output against the float model's, in dB:
/// 10 log10(sum of squares of the float output / sum of squared differences) over all samples;
/// per sample the same over its values. An exact match scores pot::kExactSqnrDb.
class Sqnr final : public ScoredMetric {
public:
    explicit Sqnr(const Params& params);
    std::string name() const override { return "sqnr"; }
    bool needs_reference() const override { return true; }
    void reset() override;
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override;
    double value() const override;

private:
    Similarity total_;
};

}  // namespace pot::metrics
