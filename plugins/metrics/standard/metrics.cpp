#include "metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "pot/error.hpp"
#include "pot/similarity.hpp"

namespace pot::metrics {

namespace {

// Argmax over the last axis at every position of a tensor of any rank.
std::vector<int64_t> argmax_last_axis(const Tensor& t) {
    const auto v = t.to_floats();
    const int64_t last = t.rank() == 0 ? 1 : t.dim(t.rank() - 1);
    std::vector<int64_t> out;
    if (last == 0) return out;
    for (size_t start = 0; start + static_cast<size_t>(last) <= v.size(); start += static_cast<size_t>(last))
        out.push_back(std::max_element(v.begin() + static_cast<std::ptrdiff_t>(start),
                                       v.begin() + static_cast<std::ptrdiff_t>(start + static_cast<size_t>(last))) -
                      (v.begin() + static_cast<std::ptrdiff_t>(start)));
    return out;
}

}  // namespace

ScoredMetric::ScoredMetric(const Params& params) : output_index_(params.get_int("output", 0)) {
    POT_CHECK_KIND(Config, output_index_ >= 0, params.path(), "/output: expected an output index >= 0, got ",
                   output_index_);
}

double ScoredMetric::value() const {
    if (scores_.empty()) return 0.0;
    return std::accumulate(scores_.begin(), scores_.end(), 0.0) / static_cast<double>(scores_.size());
}

const Tensor& ScoredMetric::output(const std::vector<Tensor>& outputs, const Sample& sample) const {
    POT_CHECK(output_index_ < static_cast<int64_t>(outputs.size()), "sample ", sample.index, ": ", name(),
              " reads output ", output_index_, " but the model has ", outputs.size());
    return outputs[static_cast<size_t>(output_index_)];
}

const Tensor& ScoredMetric::reference_for(const Tensor& out, const std::vector<Tensor>& reference,
                                          const Sample& sample) const {
    POT_CHECK(output_index_ < static_cast<int64_t>(reference.size()), "sample ", sample.index,
              ": no float-model output ", output_index_, " to compare with");
    const Tensor& ref = reference[static_cast<size_t>(output_index_)];
    POT_CHECK(out.shape() == ref.shape(), "sample ", sample.index, ": output shape ", shape_str(out.shape()),
              " differs from the float model's ", shape_str(ref.shape()));
    return ref;
}

Accuracy::Accuracy(const Params& params) : ScoredMetric(params), top_k_(params.get_int("top_k", 1)) {
    POT_CHECK_KIND(Config, top_k_ >= 1, params.path(), "/top_k: expected >= 1, got ", top_k_);
    params.reject_unknown();
}

void Accuracy::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>&, const Sample& sample) {
    POT_CHECK_KIND(Input, sample.annotation.has_value(), "sample ", sample.index, " has no annotation; ", name(),
                   " needs class indices (engine.annotation)");
    const auto label = sample.class_index();
    POT_CHECK_KIND(Input, label.has_value(), "sample ", sample.index, " is annotated with a ",
                   sample.annotation->kind_name(), "; ", name(), " needs a class index");
    const auto scores = output(outputs, sample).to_floats();
    const auto classes = static_cast<int64_t>(scores.size());
    // An index no output position can hold would count as a silent miss on every run.
    POT_CHECK_KIND(Input, *label >= 0 && *label < classes, "sample ", sample.index, " is labelled ", *label,
                   " but the model's output has ", classes, " classes (0 to ", classes - 1,
                   "); check the annotation");
    // Classes scoring strictly higher than the label's; ties count for the label.
    const float own = scores[static_cast<size_t>(*label)];
    const auto higher = std::count_if(scores.begin(), scores.end(), [&](float s) { return s > own; });
    scores_.push_back(higher < top_k_ ? 100.0 : 0.0);
}

Agreement::Agreement(const Params& params, bool per_position) : ScoredMetric(params), per_position_(per_position) {
    params.reject_unknown();
}

void Agreement::reset() {
    ScoredMetric::reset();
    agreeing_ = positions_ = 0;
}

void Agreement::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                       const Sample& sample) {
    const Tensor& out = output(outputs, sample);
    const Tensor& ref = reference_for(out, reference, sample);
    const auto a = argmax_last_axis(out), b = argmax_last_axis(ref);
    int64_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
    const auto n = static_cast<int64_t>(a.size());
    agreeing_ += same;
    positions_ += n;
    if (per_position_)
        scores_.push_back(n ? 100.0 * static_cast<double>(same) / static_cast<double>(n) : 100.0);
    else
        scores_.push_back(same == n ? 100.0 : 0.0);
}

double Agreement::value() const {
    if (!per_position_) return ScoredMetric::value();
    return positions_ ? 100.0 * static_cast<double>(agreeing_) / static_cast<double>(positions_) : 0.0;
}

namespace {

// Bytes of the UTF-8 sequence a lead byte opens; 0 for a byte that cannot lead one.
size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 0;
}

// The UTF-8 characters of `text`, each as its bytes; throws on a malformed sequence.
std::vector<std::string> utf8_characters(const std::string& text, const std::string& where) {
    std::vector<std::string> out;
    for (size_t i = 0; i < text.size();) {
        const size_t length = utf8_length(static_cast<unsigned char>(text[i]));
        POT_CHECK_KIND(Config, length != 0 && i + length <= text.size(), where, ": not valid UTF-8 at byte ", i);
        for (size_t k = 1; k < length; ++k)
            POT_CHECK_KIND(Config, (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2, where,
                           ": not valid UTF-8 at byte ", i + k);
        out.push_back(text.substr(i, length));
        i += length;
    }
    return out;
}

}  // namespace

CtcExactMatch::CtcExactMatch(const Params& params)
    : ScoredMetric(params), blank_(params.get_int("blank", 0)) {
    POT_CHECK_KIND(Config, params.has("alphabet"), params.path(),
                   "/alphabet: required: the symbols of the non-blank classes, in class order");
    const auto alphabet = utf8_characters(params.get_string("alphabet", ""), params.path() + "/alphabet");
    POT_CHECK_KIND(Config, !alphabet.empty(), params.path(), "/alphabet: must not be empty");
    POT_CHECK_KIND(Config, blank_ >= 0 && blank_ <= static_cast<int64_t>(alphabet.size()), params.path(),
                   "/blank: must be a class index from 0 to ", alphabet.size(), " (the alphabet has ",
                   alphabet.size(), " symbols), got ", blank_);
    symbols_ = alphabet;
    symbols_.insert(symbols_.begin() + blank_, std::string());
    params.reject_unknown();
}

std::string CtcExactMatch::decode(const Tensor& scores) const {
    std::string text;
    int64_t previous = -1;
    for (const int64_t k : argmax_last_axis(scores)) {
        if (k != previous && k != blank_) text += symbols_[static_cast<size_t>(k)];
        previous = k;
    }
    return text;
}

void CtcExactMatch::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>&, const Sample& sample) {
    POT_CHECK_KIND(Input, sample.annotation && sample.annotation->kind == Annotation::Kind::Text, "sample ",
                   sample.index, (sample.annotation ? " is annotated with a " + std::string(sample.annotation->kind_name())
                                                    : std::string(" has no annotation")),
                   "; ", name(), " needs a text (an annotation JSON mapping file names to strings)");
    const Tensor& out = output(outputs, sample);
    const int64_t classes = out.rank() == 0 ? 1 : out.dim(out.rank() - 1);
    POT_CHECK_KIND(Input, classes == static_cast<int64_t>(symbols_.size()), "sample ", sample.index, ": ", name(),
                   " has ", symbols_.size(), " classes (alphabet and blank) but output ", output_index_, " has ",
                   classes, " scores per step (shape ", shape_str(out.shape()), ")");
    scores_.push_back(decode(out) == sample.annotation->text ? 100.0 : 0.0);
}

Cosine::Cosine(const Params& params) : ScoredMetric(params) { params.reject_unknown(); }

void Cosine::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference, const Sample& sample) {
    const Tensor& out = output(outputs, sample);
    const Tensor& ref = reference_for(out, reference, sample);
    scores_.push_back(Similarity::of(out.to_floats(), ref.to_floats()).cosine());
}

Sqnr::Sqnr(const Params& params) : ScoredMetric(params) { params.reject_unknown(); }

void Sqnr::reset() {
    ScoredMetric::reset();
    total_ = {};
}

void Sqnr::update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference, const Sample& sample) {
    const Tensor& out = output(outputs, sample);
    const Tensor& ref = reference_for(out, reference, sample);
    const Similarity s = Similarity::of(out.to_floats(), ref.to_floats());
    total_ += s;
    scores_.push_back(s.sqnr_db());
}

double Sqnr::value() const { return scores_.empty() ? 0.0 : total_.sqnr_db(); }

}  // namespace pot::metrics
