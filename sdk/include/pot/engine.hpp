#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pot/data.hpp"
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
    int threads = 0;  ///< 0: all cores
};

/// Runs a Graph. Plugins implement set_model() and infer(); the data loops (collect,
/// evaluate, benchmark) have default implementations that an engine may override.
class POT_SDK_VISIBLE Engine {
public:
    virtual ~Engine() = default;
    virtual std::string name() const = 0;
    virtual void set_options(const EngineOptions& options) { options_ = options; }
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
