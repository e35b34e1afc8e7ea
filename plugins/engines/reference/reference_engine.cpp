#include "reference_engine.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <tbb/task_arena.h>

#include "reference_ops.hpp"

namespace pot::reference {

namespace {

class ReferenceModel final : public CompiledModel {
public:
    ReferenceModel(const Graph& graph, std::vector<std::vector<std::string>> release_after, int threads)
        : graph_(graph), release_after_(std::move(release_after)), threads_(threads) {}

    const Graph& graph() const override { return graph_; }

    std::vector<Tensor> infer(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                              ValueObserver* observer) override {
        if (threads_ <= 0) return run(inputs, observed, observer);
        tbb::task_arena arena(threads_);
        return arena.execute([&] { return run(inputs, observed, observer); });
    }

private:
    std::vector<Tensor> run(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                            ValueObserver* observer) const;
    void check_inputs(const std::vector<Tensor>& inputs) const;

    const Graph graph_;
    /// release_after_[i]: node outputs no later node reads once node i has run.
    const std::vector<std::vector<std::string>> release_after_;
    const int threads_;
};

}  // namespace

ReferenceEngine::ReferenceEngine() = default;

ReferenceEngine::ReferenceEngine(const Params& params) {
    threads_ = checked_thread_count(params.get_int("threads", 0), params.path() + "/threads");
    params.reject_unknown();
}

std::unique_ptr<CompiledModel> ReferenceEngine::compile(const Graph& graph) {
    std::unordered_set<std::string> available;
    for (const auto& in : graph.inputs) available.insert(in.name);
    for (const auto& [name, tensor] : graph.initializers) available.insert(name);
    std::map<std::string, size_t> last_use;  // value -> index of the last node that reads it
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const Node& node = graph.nodes[i];
        check_node(node, graph.opset);
        for (const auto& in : node.inputs) {
            if (in.empty()) continue;
            POT_CHECK_KIND(Input, available.count(in), node.describe(), ": input '", in,
                           "' is neither a graph input, a constant nor an output of an earlier "
                           "node; the nodes must be in topological order");
            last_use[in] = i;
        }
        for (const auto& out : node.outputs) {
            if (out.empty()) continue;
            POT_CHECK_KIND(Input, !available.count(out), node.describe(), ": output '", out,
                           "' is already defined by a graph input, constant or earlier node");
            available.insert(out);
            last_use[out] = std::max(last_use[out], i);
        }
    }
    for (const auto& out : graph.outputs)
        POT_CHECK_KIND(Input, available.count(out.name), "graph output '", out.name,
                       "' is not produced by any node, input or constant");

    std::vector<std::vector<std::string>> release_after(graph.nodes.size());
    for (const auto& node : graph.nodes)
        for (const auto& out : node.outputs)
            if (!out.empty() && !graph.is_output(out)) release_after[last_use[out]].push_back(out);

    return std::make_unique<ReferenceModel>(graph, std::move(release_after), threads_);
}

void ReferenceModel::check_inputs(const std::vector<Tensor>& inputs) const {
    POT_CHECK(inputs.size() == graph_.inputs.size(), "reference engine: the model has ",
              graph_.inputs.size(), " inputs but ", inputs.size(), " tensors were given");
    for (size_t i = 0; i < inputs.size(); ++i) {
        const ValueInfo& info = graph_.inputs[i];
        const Tensor& t = inputs[i];
        bool fits = t.dtype() == info.dtype && t.shape().size() == info.shape.size();
        for (size_t d = 0; fits && d < info.shape.size(); ++d)
            fits = info.shape[d] < 0 || info.shape[d] == t.shape()[d];
        POT_CHECK(fits, "reference engine: input '", info.name, "' expects ",
                  dtype_name(info.dtype), " ", shape_str(info.shape), " (-1: any size), got ",
                  dtype_name(t.dtype()), " ", shape_str(t.shape()));
    }
}

std::vector<Tensor> ReferenceModel::run(const std::vector<Tensor>& inputs,
                                        const std::vector<std::string>& observed,
                                        ValueObserver* observer) const {
    check_inputs(inputs);
    // Every value by name: graph inputs and constants are borrowed, node outputs owned here.
    std::unordered_map<std::string, const Tensor*> values;
    std::unordered_map<std::string, Tensor> computed;
    for (const auto& [name, tensor] : graph_.initializers) values[name] = &tensor;
    for (size_t i = 0; i < inputs.size(); ++i) values[graph_.inputs[i].name] = &inputs[i];

    const std::unordered_set<std::string> watched(observed.begin(), observed.end());
    POT_CHECK(watched.empty() || observer != nullptr,
              "reference engine: values to observe were given without an observer");
    std::unordered_set<std::string> produced;
    if (!watched.empty())
        for (const auto& node : graph_.nodes) produced.insert(node.outputs.begin(), node.outputs.end());
    for (const auto& name : watched) {
        const bool known = values.count(name) || produced.count(name);
        POT_CHECK(known, "reference engine: observed value '", name,
                  "' is not an input, constant or node output of the model");
    }
    auto notify = [&](const std::string& name, const Tensor& tensor) {
        if (watched.count(name)) observer->on_value(name, tensor);
    };
    for (const auto& [name, tensor] : values) notify(name, *tensor);

    std::vector<const Tensor*> node_inputs;
    std::vector<Tensor> node_outputs;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
        const Node& node = graph_.nodes[i];
        node_inputs.clear();
        for (const auto& in : node.inputs)
            node_inputs.push_back(in.empty() ? nullptr : values.at(in));
        run_node(node, node_inputs, node_outputs, graph_.opset);
        for (size_t k = 0; k < node.outputs.size(); ++k) {
            const std::string& name = node.outputs[k];
            if (name.empty()) continue;
            Tensor& slot = computed[name];
            slot = std::move(node_outputs[k]);
            values[name] = &slot;
            notify(name, slot);
        }
        for (const auto& name : release_after_[i]) {
            values.erase(name);
            computed.erase(name);
        }
    }

    std::vector<Tensor> outputs;
    for (const auto& out : graph_.outputs) outputs.push_back(*values.at(out.name));
    return outputs;
}

}  // namespace pot::reference
