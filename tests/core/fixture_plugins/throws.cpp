// A plugin whose object constructor always fails, and whose entry point throws when asked to.
#include <stdexcept>

#include <pot/plugin_export.hpp>

namespace {
class Broken final : public pot::Algorithm {
public:
    explicit Broken(const pot::Params&) { throw std::runtime_error("constructor exploded"); }
    std::string name() const override { return "Broken"; }
    std::vector<pot::StatisticRequest> statistics_needed(const pot::Graph&, pot::HostServices&) override {
        return {};
    }
    void apply(pot::Graph&, const pot::Statistics&, pot::HostServices&) override {}
};
const PotFactory kFactories[] = {
    pot::make_factory<pot::Algorithm, Broken>("Broken", "always fails to construct"),
};
const PotPluginInfo kInfo = pot::make_plugin_info("fixture-throws", "0.0.1", kFactories);
const PotPluginInfo* plugin_info() { return &kInfo; }
}  // namespace

POT_EXPORT_PLUGIN(plugin_info)
