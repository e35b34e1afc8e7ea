#include "cpu_engine.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <set>

#include <dnnl.hpp>

#include "ops.hpp"
#include "plan_builder.hpp"
#include "pot/profiling.hpp"
#include "pot/sample_reader.hpp"
#include "reference_fallback.hpp"
#include "spelled_activations.hpp"

namespace pot::cpu {

namespace {

// The part of `graph` that computes `observed` (nodes in their order, no outputs): what a
// statistics pass runs, which needs neither the model's outputs nor the nodes after the last
// observed value (a classifier head, the layers after the last aligned pair).
Graph observed_part(const Graph& graph, const std::set<std::string>& observed) {
    std::set<std::string> needed = observed;
    std::vector<bool> keep(graph.nodes.size(), false);
    for (size_t i = graph.nodes.size(); i-- > 0;) {
        const Node& n = graph.nodes[i];
        keep[i] = std::any_of(n.outputs.begin(), n.outputs.end(), [&](const std::string& out) { return needed.count(out) > 0; });
        if (keep[i])
            for (const auto& in : n.inputs)
                if (!in.empty()) needed.insert(in);
    }
    Graph part = graph;
    part.nodes.clear();
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        if (keep[i]) part.nodes.push_back(graph.nodes[i]);
    part.outputs.clear();
    return part;
}

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

    /// infer() for a statistics pass: shows `observer` the values `observed`, computing only what
    /// they need and no outputs.
    void observe(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                 ValueObserver& observer) {
        Compiled& compiled = plan_for(inputs, observed, /*outputs=*/false);
        try {
            compiled.plan->run(inputs, stream_, &observer);
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

    /// The plan for these input shapes and observed values (and the model's outputs, unless
    /// `outputs` is false), built on first use.
    Compiled& plan_for(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                       bool outputs = true) {
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
        if (!outputs) key += "|no outputs";
        auto& compiled = plans_[key];
        if (!compiled.plan) {
            try {
                compiled.graph = std::make_unique<Graph>(
                    with_spelled_activations_fused(outputs ? graph_ : observed_part(graph_, observed_set), observed_set));
                compiled.plan = build_plan(*compiled.graph, engine_, shapes, observed_set, options_);
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

// `t`, whose dimension i is the value's dimension from[i], with its dimensions rearranged so
// that dimension i is the value's dimension to[i].
Tensor reordered(const Tensor& t, const std::vector<int64_t>& from, const std::vector<int64_t>& to) {
    const size_t rank = from.size();
    std::vector<int64_t> stride_of(rank);  // the source's stride of each value dimension
    for (size_t i = rank, step = 1; i-- > 0; step *= static_cast<size_t>(t.shape()[i]))
        stride_of[static_cast<size_t>(from[i])] = static_cast<int64_t>(step);
    std::vector<int64_t> extent_of(rank);
    for (size_t i = 0; i < rank; ++i) extent_of[static_cast<size_t>(from[i])] = t.shape()[i];
    Shape shape;
    for (int64_t d : to) shape.push_back(extent_of[static_cast<size_t>(d)]);
    Tensor out(DType::F32, shape);
    const float* src = t.data<float>();
    float* dst = out.data<float>();
    std::vector<int64_t> index(rank, 0);
    for (int64_t n = 0; n < out.numel(); ++n) {
        int64_t offset = 0;
        for (size_t i = 0; i < rank; ++i) offset += index[i] * stride_of[static_cast<size_t>(to[i])];
        dst[n] = src[offset];
        for (size_t i = rank; i-- > 0;) {
            if (++index[i] < shape[i]) break;
            index[i] = 0;
        }
    }
    return out;
}

// Feeds observed values to their reducers as Engine::collect's observer does; a value that comes in
// the plan's storage order (channels-last, for most convolution outputs) goes to reducers whose
// channel axis is moved to match, so no transposition is needed: per-tensor and per-channel
// statistics do not depend on the order of the elements, and the SDK's reducers read channels
// that are not contiguous in place. Each value's reducer keeps the order it first saw (a plan for
// other input shapes may store the value differently; such tensors are rearranged to it).
class OrderedReducingObserver final : public StorageOrderObserver {
public:
    explicit OrderedReducingObserver(const std::vector<StatisticRequest>& requests) {
        for (const auto& r : requests) values_[r.value].requests.push_back(r);
    }
    std::vector<std::string> values() const {
        std::vector<std::string> out;
        for (const auto& entry : values_) out.push_back(entry.first);
        return out;
    }
    void on_value(const std::string& value, const Tensor& tensor) override {
        if (tensor.dtype() != DType::F32) {
            on_value(value, tensor.cast(DType::F32));
            return;
        }
        std::vector<int64_t> identity(static_cast<size_t>(tensor.rank()));
        std::iota(identity.begin(), identity.end(), int64_t{0});
        on_value_in_order(value, tensor.data<float>(), tensor.shape(), identity);
    }
    void on_value_in_order(const std::string& value, const float* data, const Shape& stored_shape,
                           const std::vector<int64_t>& order) override {
        auto it = values_.find(value);
        if (it == values_.end()) return;
        Value& v = it->second;
        if (!v.reducer) {
            v.order = order;
            std::vector<StatisticRequest> in_order = v.requests;
            for (auto& r : in_order) {
                const auto at = std::find(order.begin(), order.end(), r.axis);
                if (r.axis >= 0 && at != order.end()) r.axis = at - order.begin();
            }
            v.reducer = std::make_unique<ValueReducer>(in_order);
        }
        if (order == v.order) {
            v.reducer->update(data, stored_shape);
            return;
        }
        Tensor stored(DType::F32, stored_shape);
        std::memcpy(stored.raw(), data, stored.byte_size());
        v.reducer->update(reordered(stored, order, v.order));
    }
    Statistics result() const {
        Statistics stats;
        for (const auto& [name, v] : values_) {
            POT_CHECK(v.reducer, "the engine never produced value '", name,
                      "' requested for statistics; is it a value of this model?");
            for (size_t i = 0; i < v.requests.size(); ++i) stats.set(v.requests[i], v.reducer->result(i));
        }
        return stats;
    }

private:
    struct Value {
        std::vector<StatisticRequest> requests;
        std::vector<int64_t> order;
        std::unique_ptr<ValueReducer> reducer;
    };
    std::map<std::string, Value> values_;
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
    // "auto": the team where it pays under the process's wait policy (docs/ARCHITECTURE.md, "Threads").
    const std::string team = params.get_string("team", "auto");
    POT_CHECK(team == "auto" || team == "on" || team == "off", params.path(), "/team: expected \"auto\", \"on\" or \"off\", got \"", team, "\"");
    state_->options.team = team == "on" ? PlanOptions::Team::On : team == "off" ? PlanOptions::Team::Off : PlanOptions::Team::Auto;
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

Statistics CpuEngine::collect(CompiledModel& model, const DataLoader& data, const std::vector<StatisticRequest>& requests,
                              const std::vector<size_t>& indices, Progress* progress) {
    auto* ours = dynamic_cast<CpuCompiledModel*>(&model);
    if (!ours) return Engine::collect(model, data, requests, indices, progress);
    OrderedReducingObserver observer(unique_requests(requests));
    const std::vector<std::string> observed = observer.values();
    observe_samples(data, indices, progress,
                    [&](const std::vector<Tensor>& inputs) { ours->observe(inputs, observed, observer); });
    return observer.result();
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
