#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pot/data.hpp"
#include "pot/error.hpp"
#include "pot/graph.hpp"
#include "pot/statistics.hpp"
#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// Receives intermediate values while an engine runs a batch. Called on the thread that runs
/// infer(); the tensor is valid only during the call.
/// @since ABI 2.0
class POT_SDK_VISIBLE ValueObserver {
public:
    virtual ~ValueObserver() = default;
    virtual void on_value(const std::string& value, const Tensor& tensor) = 0;
};

/// A ValueObserver that keeps a copy of every value it is shown, by name (the last one wins).
/// Header only: a plugin using it needs no newer host.
/// @since ABI 2.5 (headers)
class ValueRecorder final : public ValueObserver {
public:
    void on_value(const std::string& value, const Tensor& tensor) override { values[value] = tensor; }
    /// Bytes held by the recorded tensors.
    size_t bytes() const {
        size_t total = 0;
        for (const auto& entry : values) total += entry.second.byte_size();
        return total;
    }
    std::map<std::string, Tensor> values;
};

/// A ValueObserver that keeps the shape of every value it is shown, by name. Header only.
/// @since ABI 2.5 (headers)
class ShapeRecorder final : public ValueObserver {
public:
    void on_value(const std::string& value, const Tensor& tensor) override { shapes[value] = tensor.shape(); }
    std::map<std::string, Shape> shapes;
};

/// Reports progress of long loops (statistics collection, evaluation). May be null.
/// @since ABI 2.0
class POT_SDK_VISIBLE Progress {
public:
    virtual ~Progress() = default;
    virtual void start(const std::string& what, size_t total) = 0;
    virtual void advance(size_t done) = 0;
    virtual void finish() = 0;
};

/// What `benchmark` measures and how long.
/// @since ABI 2.0
struct BenchmarkOptions {
    int64_t batch = 1;
    int64_t iterations = 0;      ///< 0: run for `seconds`
    double seconds = 10.0;
    /// The tensors to run on, one per graph input (@since ABI 2.4). When empty, benchmark() makes
    /// random f32 inputs of the declared shapes, with `batch` as the first dimension and 1 for
    /// other unknown dimensions (what 2.0-2.3 did); the host fills it so no dimension is guessed.
    std::vector<Tensor> inputs;
};

/// Latency statistics in milliseconds, throughput in samples per second.
/// @since ABI 2.0
struct BenchmarkResult {
    int64_t count = 0;
    double duration_ms = 0, latency_median_ms = 0, latency_avg_ms = 0, latency_min_ms = 0,
           latency_max_ms = 0, throughput_fps = 0;
};

/// Most threads an engine runs, whatever the machine.
/// @since ABI 2.0
constexpr int kMaxEngineThreads = 1024;
/// Threads per logical CPU beyond which more threads only contend for the cores.
/// @since ABI 2.0
constexpr int kMaxEngineThreadsPerCpu = 8;

/// `threads` as an engine's "threads" parameter: 0 (all cores) up to the smaller of
/// kMaxEngineThreads and kMaxEngineThreadsPerCpu per logical CPU of this machine. Anything else
/// throws pot::Error(`kind`) naming `where` (a JSON path or a command-line option) and the bound.
/// @since ABI 1.0
POT_SDK_VISIBLE int checked_thread_count(int64_t threads, const std::string& where,
                                         ErrorKind kind = ErrorKind::Config);

/// Most bytes of inputs benchmark() allocates for one batch.
/// @since ABI 2.0
constexpr uint64_t kMaxBenchmarkInputBytes = uint64_t{1} << 30;

/// Bytes of the inputs benchmark() creates for `batch` samples of `graph` (dynamic dims as 1).
/// Throws pot::Error(`kind`) naming `where` when `batch` < 1 or the bytes exceed
/// kMaxBenchmarkInputBytes; checked without overflow, before anything is allocated.
/// @since ABI 1.0
POT_SDK_VISIBLE uint64_t checked_benchmark_input_bytes(const Graph& graph, int64_t batch,
                                                       const std::string& where, ErrorKind kind);

/// One op an engine runs with integer kernels, in the schema of the hardware-config files
/// (plugins/algorithms/min_max/hardware/*.json) that tell MinMax where to quantize.
/// @since ABI 2.0
struct Int8Op {
    std::string type;                  ///< ONNX op type
    std::vector<int> activations;      ///< inputs read as u8/s8 codes
    int weights_input = -1;            ///< constant input read as symmetric s8 codes; -1: none
    bool per_channel_weights = false;  ///< one weight scale per output channel
    bool quantized_output = false;     ///< the op can write its (activated) result as codes
};

/// What an engine runs in INT8: the ops, and the activations it fuses into an INT8 op's output
/// (so that quantizing after the activation costs nothing).
/// @since ABI 2.0
struct EngineCapabilities {
    std::vector<Int8Op> int8_ops;
    std::vector<std::string> absorbed_activations;
};

/// A model prepared by an engine for execution. The caller owns it and must destroy it before the
/// engine that made it (the plugin's code runs its destructor).
///
/// Thread safety: one compiled model runs one infer() at a time; several compiled models, of one
/// engine or of several, may run at the same time on different threads.
/// @since ABI 2.0
class POT_SDK_VISIBLE CompiledModel {
public:
    virtual ~CompiledModel() = default;

    /// The graph this model was compiled from (the engine's copy).
    virtual const Graph& graph() const = 0;

    /// Runs one batch. `inputs` follow graph().inputs. Every value named in `observed` (graph
    /// inputs, constants and node outputs) is passed to `observer` as soon as it is computed, on
    /// the calling thread. Returns the graph outputs in graph().outputs order.
    virtual std::vector<Tensor> infer(const std::vector<Tensor>& inputs,
                                      const std::vector<std::string>& observed = {},
                                      ValueObserver* observer = nullptr) = 0;
};

/// Runs Graphs. Plugins implement compile() and capabilities(); the data loops (collect,
/// benchmark) have default implementations over CompiledModel::infer that an engine may
/// override. Options such as the thread count come from the engine's parameters (the config's
/// engine.threads is passed as the "threads" parameter), never set after creation.
/// An engine may be used from several threads at once; see CompiledModel for its models.
/// @since ABI 2.0 (replaces set_model/infer of ABI 1)
class POT_SDK_VISIBLE Engine {
public:
    virtual ~Engine() = default;
    virtual std::string name() const = 0;

    /// Checks and prepares `graph` for execution. The engine copies what it needs; `graph` may
    /// change or die after the call. Throws pot::Error naming the node when an op is not supported.
    virtual std::unique_ptr<CompiledModel> compile(const Graph& graph) = 0;

    /// The ops this engine runs in INT8.
    virtual EngineCapabilities capabilities() const = 0;

    /// Runs samples `indices` of `data` (all when empty) through `model` and reduces the values
    /// `requests` name.
    virtual Statistics collect(CompiledModel& model, const DataLoader& data,
                               const std::vector<StatisticRequest>& requests,
                               const std::vector<size_t>& indices, Progress* progress);

    /// Times `model` on random inputs shaped like its graph's (dynamic dims as 1, batch as asked).
    virtual BenchmarkResult benchmark(CompiledModel& model, const BenchmarkOptions& options);
};

}  // namespace pot
