#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "pot/engine.hpp"
#include "quant_pattern.hpp"
#include "team.hpp"

namespace pot::cpu {

/// One way a value is held: a oneDNN memory (dims, layout, data type) and, when it holds u8/s8
/// codes, their encoding. Several Reps of one value may coexist (e.g. blocked u8 and plain f32).
struct Rep {
    dnnl::memory mem;
    std::optional<ActQuant> quant;
    int buffer = -1;  ///< pool buffer it lives in; -1 when it owns its storage (constants, inputs)
};

/// A ValueObserver that also takes values in the order the plan keeps them (channels-last, for
/// most convolution outputs), sparing the transposition into the plain layout that on_value()
/// needs: per-tensor and per-channel statistics do not depend on the order of the elements.
class StorageOrderObserver : public ValueObserver {
public:
    /// `data` holds `value`'s f32 elements as the plan stores them, row-major with `stored_shape`,
    /// whose dimension i is the value's dimension order[i] (order[0] is 0: the batch stays
    /// outermost; the identity for a plain value). It is the plan's own buffer: read it during
    /// the call only.
    virtual void on_value_in_order(const std::string& value, const float* data, const Shape& stored_shape,
                                   const std::vector<int64_t>& order) = 0;
};

/// What a step needs while it runs.
struct RunContext {
    dnnl::stream& stream;
    ValueObserver* observer = nullptr;
};

/// A share of a step's work that one thread of the plan's team runs alone, on its own stream.
using StepPart = std::function<void(dnnl::stream&)>;

/// One executable step of a plan, in order.
struct Step {
    std::string node;    ///< graph node it comes from ("" for edge conversions)
    std::string kind;    ///< "convolution", "reorder", "reference", ...
    std::string detail;  ///< data types and implementation, for describe_plan()
    std::function<void(RunContext&)> run;
    /// The same work split into disjoint shares (e.g. rows of a convolution's output), one per
    /// thread of the plan's team; empty when the step is not split. run() stays the way to run
    /// the step whole (profiles, plans without a team).
    std::vector<StepPart> parts = {};
    /// Small enough to run on one thread between split steps without leaving the team (set by
    /// PlanBuilder::add_step()).
    bool solo = false;
    /// Estimated single-thread time of a split step's work, in nanoseconds.
    double split_ns = 0.0;
    /// Estimated single-thread time of the node the step belongs to (0 for edge conversions).
    double node_ns = 0.0;
};

/// Intermediate buffers shared by values whose lifetimes do not overlap. Buffer ids are handed
/// out while a plan is built; storage is allocated once, by allocate(), when sizes are final.
class BufferPool {
public:
    /// A free buffer of at least `bytes` (grown if needed), with one reference.
    int acquire(size_t bytes);
    void retain(int buffer);
    /// Drops one reference; the buffer is free for reuse at zero.
    void release(int buffer);
    int refs(int buffer) const { return buffers_.at(static_cast<size_t>(buffer)).refs; }
    /// `mem` is bound to `buffer` when the pool allocates.
    void bind(const dnnl::memory& mem, int buffer);
    /// Allocates every buffer and points the bound memories at them.
    void allocate();
    size_t total_bytes() const;

private:
    struct Buffer {
        size_t bytes = 0;
        int refs = 0;
        std::vector<std::byte, AlignedAllocator<std::byte>> storage;
    };
    std::vector<Buffer> buffers_;
    std::vector<std::pair<dnnl::memory, int>> bindings_;
};

/// A graph compiled for one set of input shapes (and observed values).
class Plan {
public:
    std::vector<Step> steps;
    BufferPool pool;
    std::vector<dnnl::memory> input_mems;   ///< plain f32, bound to the caller's tensors per run
    /// Per input: the host tensor an integer or bool input is copied into per run (else null).
    std::vector<std::shared_ptr<Tensor>> input_hosts;
    std::vector<dnnl::memory> output_mems;  ///< plain f32, never reused
    /// Per output: the host tensor of an integer or bool output (else null; output_mems is used).
    std::vector<std::shared_ptr<Tensor>> output_hosts;
    std::vector<Shape> output_shapes;
    /// Estimated single-thread time of its nodes (estimated_serial_ns()), in nanoseconds.
    double estimated_ns = 0.0;
    /// Team size run() and profile() set for their steps (the one its primitives were created
    /// for); 0: the calling thread's.
    int threads = 0;

    /// Fixes, once the steps are final, how run() executes them. With a team of `team` threads
    /// (0 or 1: none), maximal runs of split and solo steps execute inside one OpenMP parallel
    /// region of that many threads that wait for each other by spinning briefly, so a sleeping
    /// wait policy (OMP_WAIT_POLICY=passive) costs one wake-up per run of steps rather than one
    /// per primitive, and small steps cost a spinning wait rather than a fork and join; `rules`
    /// say which runs (see TeamRules). The other steps run as oneDNN parallelizes them.
    void schedule(int team, const TeamRules& rules, const dnnl::engine& engine);
    /// Threads of the team schedule() gave the plan (0: none).
    int team() const { return team_; }
    /// How run() executes the steps, one entry per run of steps: "team 0-5", "whole 5-6",
    /// "bands 6-9" (steps [begin, end)).
    std::vector<std::string> schedule_summary() const;

    std::vector<Tensor> run(const std::vector<Tensor>& inputs, dnnl::stream& stream,
                            ValueObserver* observer);
    /// Runs the plan `iterations` times, waiting after each step; milliseconds per step, summed.
    std::vector<double> profile(const std::vector<Tensor>& inputs, dnnl::stream& stream, int64_t iterations);
    /// One line per step: node, kind, data types and oneDNN implementation.
    std::string describe() const;

private:
    void bind_inputs(const std::vector<Tensor>& inputs);
    static void run_step(Step& step, RunContext& ctx);
    static void run_part(Step& step, size_t part, dnnl::stream& stream);
    /// Steps [begin, end) on the team, in one parallel region.
    void run_on_team(size_t begin, size_t end, RunContext& ctx);

    /// Steps [begin, end) and how run() executes them.
    struct Segment {
        enum class Mode {
            Whole,   ///< each step whole, parallelized by oneDNN
            Bands,   ///< split steps' bands one after the other on the calling thread
            Team,    ///< on the team (run_on_team())
        };
        size_t begin = 0, end = 0;
        Mode mode = Mode::Whole;
    };
    std::vector<Segment> segments_;
    int team_ = 0;
    std::vector<dnnl::stream> team_streams_;  ///< of team threads 1.. (thread 0 runs on the caller's)
};

/// True when the CPU multiplies u8 x s8 exactly (VNNI). Without it oneDNN's u8 kernels add pairs
/// of products in saturating 16-bit arithmetic, so activations are kept as s8 codes instead, which
/// oneDNN handles exactly up to its own weight scaling.
bool cpu_u8_exact();
/// "f32", "u8", ... of a oneDNN data type.
const char* dnnl_type_name(dnnl::memory::data_type type);
/// oneDNN data type of a tensor element type (throws for I64 and Bool, which live in host values).
dnnl::memory::data_type to_dnnl(DType dtype);
/// Tensor element type of a oneDNN data type (f32, s8, u8, s32).
DType from_dnnl(dnnl::memory::data_type type);
/// Plain (row-major) desc of `dims`.
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims, dnnl::memory::data_type type);
/// `desc` with the same layout and another data type.
dnnl::memory::desc with_type(const dnnl::memory::desc& desc, dnnl::memory::data_type type);
/// True when `desc` is dense row-major.
bool is_plain(const dnnl::memory::desc& desc);
/// Shape of a desc's dims.
Shape shape_of(const dnnl::memory::desc& desc);

}  // namespace pot::cpu
