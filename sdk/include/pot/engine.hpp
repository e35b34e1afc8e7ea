#pragma once

#include <cstdint>
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
class POT_SDK_VISIBLE ValueObserver {
public:
    virtual ~ValueObserver() = default;
    virtual void on_value(const std::string& value, const Tensor& tensor) = 0;
};

/// Reports progress of long loops (statistics collection, evaluation). May be null.
class POT_SDK_VISIBLE Progress {
public:
    virtual ~Progress() = default;
    virtual void start(const std::string& what, size_t total) = 0;
    virtual void advance(size_t done) = 0;
    virtual void finish() = 0;
};

/// What `benchmark` measures and how long.
struct BenchmarkOptions {
    int64_t batch = 1;
    int64_t iterations = 0;      ///< 0: run for `seconds`
    double seconds = 10.0;
    int threads = 0;             ///< 0: the engine's default
};

/// Latency statistics in milliseconds, throughput in samples per second.
struct BenchmarkResult {
    int64_t count = 0;
    double duration_ms = 0, latency_median_ms = 0, latency_avg_ms = 0, latency_min_ms = 0,
           latency_max_ms = 0, throughput_fps = 0;
};

/// Options common to every engine.
struct EngineOptions {
    int threads = 0;  ///< 0: all cores; see checked_thread_count
};

/// Most threads an engine runs, whatever the machine.
constexpr int kMaxEngineThreads = 1024;
/// Threads per logical CPU beyond which more threads only contend for the cores.
constexpr int kMaxEngineThreadsPerCpu = 8;

/// `threads` as an EngineOptions::threads value: 0 (all cores) up to the smaller of
/// kMaxEngineThreads and kMaxEngineThreadsPerCpu per logical CPU of this machine. Anything else
/// throws pot::Error(`kind`) naming `where` (a JSON path or a command-line option) and the bound.
/// @since ABI 1.0
POT_SDK_VISIBLE int checked_thread_count(int64_t threads, const std::string& where,
                                         ErrorKind kind = ErrorKind::Config);

/// Most bytes of inputs benchmark() allocates for one batch.
constexpr uint64_t kMaxBenchmarkInputBytes = uint64_t{1} << 30;

/// Bytes of the inputs benchmark() creates for `batch` samples of `graph` (dynamic dims as 1).
/// Throws pot::Error(`kind`) naming `where` when `batch` < 1 or the bytes exceed
/// kMaxBenchmarkInputBytes; checked without overflow, before anything is allocated.
/// @since ABI 1.0
POT_SDK_VISIBLE uint64_t checked_benchmark_input_bytes(const Graph& graph, int64_t batch,
                                                       const std::string& where, ErrorKind kind);

/// Runs a Graph. Plugins implement set_model() and infer(); the data loops (collect,
/// evaluate, benchmark) have default implementations that an engine may override.
class POT_SDK_VISIBLE Engine {
public:
    virtual ~Engine() = default;
    virtual std::string name() const = 0;
    /// Throws pot::Error(Config) when options.threads fails checked_thread_count.
    virtual void set_options(const EngineOptions& options) {
        checked_thread_count(options.threads, "engine threads");
        options_ = options;
    }
    const EngineOptions& options() const { return options_; }

    /// Prepares `graph` for execution. The engine copies what it needs; `graph` may change or die
    /// after the call. Throws naming the node when an op is not supported.
    virtual void set_model(const Graph& graph) = 0;

    /// Runs one batch through the model set by set_model(). `inputs` follow the graph's inputs.
    /// Every value named in `observed` is passed to `observer` as soon as it is computed.
    virtual std::vector<Tensor> infer(const std::vector<Tensor>& inputs,
                                      const std::vector<std::string>& observed = {},
                                      ValueObserver* observer = nullptr) = 0;

    /// Runs samples `indices` of `data` (all when empty) and reduces the values `requests` name.
    virtual Statistics collect(const DataLoader& data, const std::vector<StatisticRequest>& requests,
                               const std::vector<size_t>& indices, Progress* progress);

    /// Runs samples `indices` (all when empty) and folds the outputs into `metric` (reset first).
    virtual double evaluate(const DataLoader& data, Metric& metric, const std::vector<size_t>& indices,
                            Progress* progress);

    /// Times infer() on inputs shaped like the model's (dynamic dims as 1, batch as asked).
    virtual BenchmarkResult benchmark(const Graph& graph, const BenchmarkOptions& options);

protected:
    EngineOptions options_;
};

}  // namespace pot
