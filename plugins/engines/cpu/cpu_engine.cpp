#include "cpu_engine.hpp"

#include <omp.h>

#include <set>

#include <dnnl.hpp>

#include "plan_builder.hpp"
#include "reference_fallback.hpp"

namespace pot::cpu {

struct CpuEngine::State {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    std::unique_ptr<Graph> graph;
    std::map<std::string, std::unique_ptr<Plan>> plans;
    Plan* last = nullptr;
};

CpuEngine::CpuEngine() : state_(std::make_unique<State>()) {}

CpuEngine::CpuEngine(const Params& params) : CpuEngine() {
    const int threads = checked_thread_count(params.get_int("threads", 0), params.path() + "/threads");
    params.reject_unknown();
    set_options(EngineOptions{threads});
}

CpuEngine::~CpuEngine() = default;

void CpuEngine::set_options(const EngineOptions& options) {
    // Bounded: libgomp crashes when asked for a team of many thousands of threads.
    checked_thread_count(options.threads, "cpu engine: threads");
    options_ = options;
}

void CpuEngine::set_model(const Graph& graph) {
    for (const auto& node : graph.nodes) {
        const bool covered = find_lowering(node) != nullptr || fallback_supports(node) ||
                             (node.op_type == "Shape" && node.domain.empty());
        POT_CHECK(covered, node.describe(), ": op ", node.domain.empty() ? "" : node.domain + ".",
                  node.op_type, " is not supported by the cpu engine (no oneDNN lowering and no "
                  "reference kernel)");
    }
    state_->graph = std::make_unique<Graph>(graph);
    state_->plans.clear();
    state_->last = nullptr;
}

std::vector<Tensor> CpuEngine::infer(const std::vector<Tensor>& inputs,
                                     const std::vector<std::string>& observed,
                                     ValueObserver* observer) {
    POT_CHECK(state_->graph, "cpu engine: infer() called before set_model()");
    // oneDNN runs on OpenMP: the team size is a per-thread setting of the calling thread.
    if (options_.threads > 0) omp_set_num_threads(options_.threads);
    std::vector<Shape> shapes;
    std::string key;
    for (const auto& t : inputs) {
        POT_CHECK(t.dtype() == DType::F32, "cpu engine: inputs must be f32, got ", dtype_name(t.dtype()));
        shapes.push_back(t.shape());
        key += shape_str(t.shape());
    }
    const std::set<std::string> observed_set(observed.begin(), observed.end());
    for (const auto& v : observed_set) key += "|" + v;
    auto& plan = state_->plans[key];
    if (!plan) {
        try {
            plan = PlanBuilder(*state_->graph, state_->engine, shapes, observed_set).build();
        } catch (const dnnl::error& e) {
            // Failures inside a node name it (PlanBuilder::lower_node); these are the plan's own
            // buffers and inputs.
            POT_THROW(Runtime, "cpu engine: oneDNN failed while compiling '", state_->graph->name,
                      "': ", e.what());
        }
    }
    state_->last = plan.get();
    try {
        return plan->run(inputs, state_->stream, observer);
    } catch (const dnnl::error& e) {
        POT_THROW(Runtime, "cpu engine: oneDNN failed while running '", state_->graph->name, "': ", e.what());
    }
}

std::string CpuEngine::describe_plan() const { return state_->last ? state_->last->describe() : ""; }

}  // namespace pot::cpu
