#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

#include "plan.hpp"
#include "pot/graph.hpp"

namespace pot::cpu {

/// Choices of kernel that trade exactness against speed.
struct PlanOptions {
    /// Float 3x3 stride-1 convolutions on oneDNN's Winograd kernels where it has one for the shape
    /// (fewer multiplications; results differ from direct convolution by rounding, ~1e-6 relative).
    bool winograd = true;
    /// When the plan runs its split steps on its own team (Plan::schedule(), docs/ARCHITECTURE.md
    /// "Threads"). `Auto`: runs of split steps with the work to pay for waking the team when
    /// OpenMP's threads sleep between parallel regions (waits_sleep()), runs of small and
    /// mid-sized steps when they spin (auto_team_rules()), and one thread for a plan with little
    /// work in all (single_thread_below_ns()). `On`: the team for every split
    /// step whenever there is more than one thread. `Off`: never.
    enum class Team { Auto, On, Off } team = Team::Auto;
};

/// The order in which `desc` stores its dimensions, outermost first, when it is a dense
/// permutation of them (no blocks, no padding, no offset) that keeps the batch outermost.
std::optional<std::vector<int64_t>> storage_order(const dnnl::memory::desc& desc);
/// The dense layout of `dims` that stores them in `order` (outermost first).
dnnl::memory::desc dense_in_order(const dnnl::memory::dims& dims, dnnl::memory::data_type type,
                                  const std::vector<int64_t>& order);

/// Compiles a Graph, for fixed input shapes, into a Plan. Op lowerings (one file per op family)
/// call back into it to read values in the form they need and to append steps.
class PlanBuilder {
public:
    PlanBuilder(const Graph& graph, const dnnl::engine& engine, const std::vector<Shape>& input_shapes,
                const std::set<std::string>& observed, PlanOptions options = {});
    std::unique_ptr<Plan> build();

    const Graph& graph() const { return graph_; }
    const dnnl::engine& engine() const { return engine_; }
    const PlanOptions& options() const { return options_; }
    /// Shares a large step is split into for the plan's team; 1 without a team.
    int split_ways() const { return split_ways_; }
    /// Attaches `parts` (one per thread, see Step::parts) to the last step added, whose
    /// single-thread work is estimated at `estimated_ns`; `unit` names what the bands hold, for
    /// describe_plan() ("N row bands").
    void split_last_step(std::vector<StepPart> parts, double estimated_ns, const char* unit = "row");
    const Node& node(size_t index) const { return graph_.nodes[index]; }

    // Values known while building: initializers and folded nodes (constants), and runtime values.
    bool is_constant(const std::string& value) const;
    const Tensor& constant(const std::string& value) const;
    bool has_value(const std::string& value) const;
    Shape shape(const std::string& value) const;

    /// The first form the value was produced in.
    const Rep& primary(const std::string& value) const;
    /// Its u8/s8 codes, if it was produced quantized.
    const Rep* quantized(const std::string& value) const;
    /// Every form of its codes (several layouts once reordered for readers), first one first.
    std::vector<const Rep*> quantized_forms(const std::string& value) const;
    /// The element type of a value computed as plain integers without an encoding (the codes a
    /// QuantizeLinear on the reference kernels writes, an int32 result); nullopt for f32 values and
    /// for quantized ones, whose codes stand for floats.
    std::optional<DType> raw_integer(const std::string& value) const;
    /// The value as f32 in any layout (dequantizing if needed).
    dnnl::memory f32(const std::string& value);
    /// The value in exactly `desc` (reordering, dequantizing or quantizing with its own encoding).
    dnnl::memory as(const std::string& value, const dnnl::memory::desc& desc);
    /// Like as(), returning the Rep (valid until the next value is defined).
    const Rep& rep_as(const std::string& value, const dnnl::memory::desc& desc);
    /// The value as plain row-major f32.
    dnnl::memory plain_f32(const std::string& value) { return as(value, plain_desc(dims(value), dnnl::memory::data_type::f32)); }
    /// The value as plain row-major memory in its own element type: the integers of a raw integer
    /// value (raw_integer()), else f32 (dequantizing codes). How values leave the plan: graph
    /// outputs and the reference kernels' inputs.
    dnnl::memory plain(const std::string& value);
    /// Plain codes when quantized, else plain f32 (for ops that move data without computing).
    const Rep& plain_any(const std::string& value);
    /// Like plain_any(), in the first form the value already has whose layout is a dense
    /// permutation of its dimensions (channels-last after most convolutions), else plain.
    const Rep& dense_any(const std::string& value);
    dnnl::memory::dims dims(const std::string& value) const;

    /// Adds a runtime value held in a new pool buffer of layout `desc`.
    dnnl::memory define(const std::string& value, const dnnl::memory::desc& desc,
                        std::optional<ActQuant> quant = std::nullopt);
    /// Adds a runtime value that shares `rep`'s buffer under another desc (reshape, in-place),
    /// with `rep`'s encoding or, when given, `quant` (a result written over the codes it read).
    dnnl::memory alias(const std::string& value, const Rep& rep, const dnnl::memory::desc& desc,
                       const ActQuant* quant = nullptr);
    /// Adds a runtime value of an integer or bool type: a plan-owned tensor that the reference
    /// kernels read and write (oneDNN has no int64 or bool memory). Nodes reading one run on the
    /// reference kernels.
    void define_host(const std::string& value, std::shared_ptr<Tensor> tensor);
    /// The host tensor of `value`, or null when it is not a host value.
    std::shared_ptr<Tensor> host_value(const std::string& value) const;
    /// Adds a constant value (folded at build time).
    void define_constant(const std::string& value, Tensor tensor);
    /// A memory owning a copy of `tensor` laid out as `desc` (weights reordered once, here).
    dnnl::memory constant_memory(const Tensor& tensor, const dnnl::memory::dims& dims,
                                 const dnnl::memory::desc& desc);
    /// A memory laid out as `src_desc` at `data` (not copied), reordered into an owned `desc`.
    dnnl::memory constant_memory(const void* data, const dnnl::memory::desc& src_desc,
                                 const dnnl::memory::desc& desc);
    /// Another desc over `rep`'s storage (same bytes), without defining a value; valid while
    /// the value `rep` belongs to is alive.
    dnnl::memory view(const Rep& rep, const dnnl::memory::desc& desc);
    /// Scratch memory in the pool, free again after the next step.
    dnnl::memory scratch(const dnnl::memory::desc& desc);
    /// Like scratch(), as a Rep that view() can show under other descs.
    Rep scratch_rep(const dnnl::memory::desc& desc);

    /// Appends a step. Whether it is solo (Step::solo) is decided here, once: when it is `light`
    /// (no work worth a second thread: views, aliases, markers, small conversions) or its
    /// primitives were created for the calling thread alone.
    void add_step(Step step, bool light = false);
    /// Appends the steps writing `src` into `dst` (layout change, quantize with `dst_quant`, or
    /// dequantize `src`'s codes); both encodings, when set, must be equal.
    void emit_convert(const Rep& src, const dnnl::memory& dst, const std::optional<ActQuant>& dst_quant);
    /// Appends a primitive step described by `pd`; `implementation` replaces oneDNN's name for
    /// it in profiles when that name would mislead.
    void add_primitive(const std::string& node, const std::string& kind,
                       const dnnl::primitive_desc_base& pd, dnnl::primitive prim,
                       std::unordered_map<int, dnnl::memory> args, const std::string& implementation = "");
    /// Runs a reorder now (build time).
    void reorder_now(const dnnl::memory& src, const dnnl::memory& dst);

    /// The only consumer of `value` when exactly one node reads it once and nothing else needs the
    /// value itself (not a graph output, not observed): a candidate for fusion.
    std::optional<size_t> sole_consumer(const std::string& value) const;
    /// Marks node `index` as computed by the node being lowered.
    void fuse(size_t index) { fused_[index] = true; }
    /// True when `value` has no remaining reader besides the node being lowered.
    bool last_use(const std::string& value) const;

private:
    /// Lowers node `index`; a oneDNN failure becomes a pot::Error naming the node.
    void lower_node(size_t index);
    void lower_node_steps(size_t index);
    void fold_node(size_t index);
    void release_inputs(const Node& node);
    void observe_outputs(const Node& node);
    Rep& add_rep(const std::string& value, Rep rep);

    struct ValueState {
        std::vector<Rep> reps;
        int remaining_uses = 0;
        bool pinned = false;  // graph output: never released
    };

    const Graph& graph_;
    dnnl::engine engine_;
    dnnl::stream build_stream_;
    std::vector<Shape> input_shapes_;
    std::set<std::string> observed_;
    PlanOptions options_;
    int split_ways_ = 1;
    std::map<std::string, Tensor> constants_;
    std::map<std::string, std::shared_ptr<Tensor>> host_values_;
    std::map<std::string, ValueState> values_;
    std::vector<bool> fused_;
    std::vector<int> pending_scratch_;
    std::unique_ptr<Plan> plan_;
};

/// Lowers node `index` to oneDNN steps; false when this op (or this form of it) is not handled
/// here, so the reference fallback takes it. Each op family lives in its own *_op.cpp.
using LowerFn = bool (*)(PlanBuilder&, size_t index);
/// The lowering for `op_type` (default ONNX domain, or FakeQuantize), or nullptr.
LowerFn find_lowering(const Node& node);

/// PlanBuilder(...).build(), on the calling thread's team; with PlanOptions::Team::Auto, a plan
/// with too little work to share (single_thread_below_ns()) is built again for one thread and
/// runs on one (Plan::threads).
std::unique_ptr<Plan> build_plan(const Graph& graph, const dnnl::engine& engine, const std::vector<Shape>& input_shapes,
                                 const std::set<std::string>& observed, PlanOptions options);

}  // namespace pot::cpu
