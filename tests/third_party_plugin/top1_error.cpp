// A metric written outside the project: the top-1 error rate in percent, lower is better.
#include <algorithm>
#include <numeric>

#include <pot/plugin_export.hpp>

namespace {

class Top1Error final : public pot::Metric {
public:
    explicit Top1Error(const pot::Params& params) { params.reject_unknown(); }
    std::string name() const override { return "error@top1"; }
    bool higher_is_better() const override { return false; }
    void reset() override { scores_.clear(); }
    void update(const std::vector<pot::Tensor>& outputs, const std::vector<pot::Tensor>&,
                const pot::Sample& sample) override {
        const auto label = sample.class_index();
        POT_CHECK_KIND(Input, label.has_value(), "sample ", sample.index, ": error@top1 needs a class index");
        const auto scores = outputs.at(0).to_floats();
        const auto top = std::max_element(scores.begin(), scores.end()) - scores.begin();
        scores_.push_back(top == *label ? 0.0 : 100.0);
    }
    double value() const override {
        return scores_.empty() ? 0.0
                               : std::accumulate(scores_.begin(), scores_.end(), 0.0) / static_cast<double>(scores_.size());
    }
    std::vector<double> per_sample() const override { return scores_; }

private:
    std::vector<double> scores_;
};

const PotFactory kFactories[] = {
    pot::make_factory<pot::Metric, Top1Error>("Top1Error", "top-1 error rate in percent (lower is better)"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("top1-error", "1.0.0", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }

}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
