#include "cpu_engine.hpp"

#include <omp.h>

#include <map>
#include <set>

#include <dnnl.hpp>

#include "ops.hpp"
#include "plan_builder.hpp"
#include "pot/profiling.hpp"
#include "reference_fallback.hpp"
#include "spelled_activations.hpp"

namespace pot::cpu {

namespace {

class CpuCompiledModel final : public CompiledModel, public ProfilingModel {
public:
    CpuCompiledModel(const Graph& graph, const dnnl::engine& engine, int threads, PlanOptions options)
        : graph_(graph), engine_(engine), stream_(engine_), threads_(threads), options_(options) {}

    const Graph& graph() const override { return graph_; }

    std::vector<Tensor> infer(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                              ValueObserver* observer) override {
        Compiled& compiled = plan_for(inputs, observed);
        try {
            return compiled.plan->run(inputs, stream_, observer);
        } catch (const dnnl::error& e) {
            POT_THROW(Runtime, "cpu engine: oneDNN failed while running '", graph_.name, "': ", e.what());
        }
    }

    std::vector<NodeTime> profile(const std::vector<Tensor>& inputs, int64_t iterations) override {
        POT_CHECK(iterations >= 1, "cpu engine: profile needs at least one iteration");
        infer(inputs, {}, nullptr);  // builds the plan and warms it up
        Compiled& compiled = plan_for(inputs, {});
        std::vector<double> total_ms;
        try {
            total_ms = compiled.plan->profile(inputs, stream_, iterations);
        } catch (const dnnl::error& e) {
            POT_THROW(Runtime, "cpu engine: oneDNN failed while running '", graph_.name, "': ", e.what());
        }
        std::map<std::string, std::string> op_of;
        for (const auto& n : compiled.graph->nodes) op_of[n.name] = n.op_type;
        std::vector<NodeTime> times;
        for (size_t i = 0; i < total_ms.size(); ++i) {
            const Step& step = compiled.plan->steps[i];
            auto op = op_of.find(step.node);
            times.push_back({step.node, op == op_of.end() ? step.kind : op->second,
                             str_cat(step.kind, step.detail.empty() ? "" : " ", step.detail), total_ms[i]});
        }
        return times;
    }

    std::string describe_plan() const { return last_ ? last_->describe() : ""; }

private:
    /// A plan and the graph it was built from (graph_ with spelled-out activations fused), which
    /// its steps refer to.
    struct Compiled {
        std::unique_ptr<Graph> graph;
        std::unique_ptr<Plan> plan;
    };

    /// The plan for these input shapes and observed values, built on first use.
    Compiled& plan_for(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed) {
        // oneDNN runs on OpenMP: the team size is a per-thread setting of the calling thread.
        if (threads_ > 0) omp_set_num_threads(threads_);
        std::vector<Shape> shapes;
        std::string key;
        for (const auto& t : inputs) {
            shapes.push_back(t.shape());
            key += shape_str(t.shape());
        }
        const std::set<std::string> observed_set(observed.begin(), observed.end());
        for (const auto& v : observed_set) key += "|" + v;
        auto& compiled = plans_[key];
        if (!compiled.plan) {
            try {
                compiled.graph = std::make_unique<Graph>(with_spelled_activations_fused(graph_, observed_set));
                compiled.plan = PlanBuilder(*compiled.graph, engine_, shapes, observed_set, options_).build();
            } catch (const dnnl::error& e) {
                // Failures inside a node name it (PlanBuilder::lower_node); these are the plan's
                // own buffers and inputs.
                POT_THROW(Runtime, "cpu engine: oneDNN failed while compiling '", graph_.name, "': ", e.what());
            }
        }
        last_ = compiled.plan.get();
        return compiled;
    }

    const Graph graph_;
    dnnl::engine engine_;
    dnnl::stream stream_;
    int threads_;
    PlanOptions options_;
    std::map<std::string, Compiled> plans_;
    const Plan* last_ = nullptr;
};

}  // namespace

struct CpuEngine::State {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    int threads = 0;
    PlanOptions options;
};

CpuEngine::CpuEngine() : state_(std::make_unique<State>()) {}

CpuEngine::CpuEngine(const Params& params) : CpuEngine() {
    // Bounded: libgomp crashes when asked for a team of many thousands of threads.
    state_->threads = checked_thread_count(params.get_int("threads", 0), params.path() + "/threads");
    state_->options.winograd = params.get_bool("winograd", true);
    params.reject_unknown();
}

CpuEngine::~CpuEngine() = default;

std::unique_ptr<CompiledModel> CpuEngine::compile(const Graph& graph) {
    for (const auto& node : graph.nodes) {
        const bool covered = find_lowering(node) != nullptr || fallback_supports(node) ||
                             (node.op_type == "Shape" && node.domain.empty());
        POT_CHECK(covered, node.describe(), ": op ", node.domain.empty() ? "" : node.domain + ".",
                  node.op_type, " is not supported by the cpu engine (no oneDNN lowering and no "
                  "reference kernel)");
    }
    return std::make_unique<CpuCompiledModel>(graph, state_->engine, state_->threads, state_->options);
}

EngineCapabilities CpuEngine::capabilities() const {
    EngineCapabilities c;
    // Conv, ConvTranspose (one group), Gemm and MatMul run as u8/s8 x s8 primitives (conv_op.cpp,
    // matmul_op.cpp) with per-output-channel weight scales, and requantize their output in a
    // post-op (fusion.cpp).
    // MatMul also reads a quantized second activation. An Add whose inputs are codes is folded into
    // the producing primitive as a sum post-op.
    c.int8_ops = {{"Conv", {0}, 1, true, true},
                  {"ConvTranspose", {0}, 1, true, true},
                  {"Gemm", {0}, 1, true, true},
                  {"MatMul", {0, 1}, 1, true, true},
                  {"Add", {0, 1}, -1, false, false}};
    c.absorbed_activations = absorbed_activation_types();
    return c;
}

std::string CpuEngine::describe_plan(const CompiledModel& model) {
    const auto* cpu = dynamic_cast<const CpuCompiledModel*>(&model);
    POT_CHECK(cpu != nullptr, "cpu engine: describe_plan() of a model another engine compiled");
    return cpu->describe_plan();
}

}  // namespace pot::cpu
