#include "test_host.hpp"

#include "graph_builder.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/quantization_job.hpp"

namespace pot::test {

std::vector<Tensor> random_samples(size_t count, const Shape& shape, unsigned seed, float low, float high) {
    std::vector<Tensor> out;
    for (size_t i = 0; i < count; ++i) out.push_back(random_tensor(shape, seed + static_cast<unsigned>(i), low, high));
    return out;
}

PluginHost::PluginHost(const std::string& engine, const std::string& target_device)
    : target_device_(target_device) {
    registry_.load_directory(POT_PLUGIN_DIR);
    // Through the plugin boundary, as pot-host calls it.
    engine_ = core::create_engine(registry_, engine, "{}", 0, "engine");
}

void PluginHost::run(const std::string& algorithm, const std::string& params_json, Graph& graph,
                     const DataLoader& data) {
    const Graph float_model = graph;
    core::Evaluator evaluator(*engine_, data, float_model, metric_);
    core::Session session(*engine_, data, evaluator, target_device_, logger_, nullptr);
    session.offer_search(registry_, nullptr);
    checkpoints_.clear();
    session.on_checkpoint([this](const Graph&, bool meets_target, const nlohmann::json& summary) {
        checkpoints_.push_back({meets_target, summary});
    });
    core::Pipeline pipeline(registry_, {{algorithm, params_json, "/compression/algorithms/0"}});
    pipeline.run(graph, session);
    last_reports_ = session.algorithm_reports();
    target_met_ = session.target_met();
    result_files_ = session.result_files();
}

}  // namespace pot::test
