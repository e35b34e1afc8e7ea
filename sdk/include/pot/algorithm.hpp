#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pot/data.hpp"
#include "pot/engine.hpp"
#include "pot/evaluation.hpp"
#include "pot/graph.hpp"
#include "pot/sampling_settings.hpp"
#include "pot/statistics.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// @since ABI 2.0
enum class LogLevel { Debug, Info, Warning, Error };

/// A named algorithm with its parameters (JSON text), as in compression.algorithms.
/// @since ABI 2.0
struct AlgorithmSpec {
    std::string name;
    std::string params_json = "{}";
};

/// What the host offers an algorithm while it runs. References stay valid for the call only.
/// Calls come from the thread that called the algorithm.
/// @since ABI 2.0
class POT_SDK_VISIBLE HostServices {
public:
    virtual ~HostServices() = default;
    /// The engine chosen in the config. Models an algorithm compiles on it are its own; they must
    /// be destroyed before the algorithm's call returns.
    virtual Engine& engine() = 0;
    /// The calibration data.
    virtual const DataLoader& data() = 0;
    /// Collects `requests` on `graph` over at most `subset_size` samples (0: all), using the
    /// same sample selection as the pipeline.
    virtual Statistics collect(const Graph& graph, const std::vector<StatisticRequest>& requests,
                               size_t subset_size) = 0;
    /// compression.target_device: "CPU", "ANY", ...
    virtual std::string target_device() const = 0;
    virtual void log(LogLevel level, const std::string& message) = 0;
    /// Adds a section (JSON text) to report.json under "algorithms" -> algorithm name -> key.
    virtual void report(const std::string& algorithm, const std::string& key,
                        const std::string& json_text) = 0;

    /// The model as the job loaded and optimized it, before any algorithm ran. @since ABI 2.0
    virtual const Graph& float_model() = 0;
    /// The data models are evaluated on: the config's evaluation data, or the calibration data
    /// when it names none. @since ABI 2.0
    virtual const DataLoader& evaluation_data() = 0;
    /// Scores `graph` with the job's metric on samples `indices` of evaluation_data() (all when
    /// empty), per sample too. The float model's results are kept, so comparing candidates with it
    /// costs one float pass. @since ABI 2.0
    virtual EvaluationResult evaluate(const Graph& graph, const std::vector<size_t>& indices) = 0;
    /// Times `graph` on the job's engine. @since ABI 2.0
    virtual BenchmarkResult latency(const Graph& graph, const BenchmarkOptions& options) = 0;
};

/// A compression algorithm. The pipeline calls statistics_needed() on the model as it is
/// before apply(), collects the statistics of consecutive algorithms in one pass, then calls
/// apply() in order. Since ABI 2.6 statistics_needed() may also be called earlier, on the model
/// before a ChannelAffineChange algorithm ran, to collect ahead (the host mutes its log calls
/// then); the last call before apply() is always on the model apply() gets.
/// @since ABI 2.0
class POT_SDK_VISIBLE Algorithm {
public:
    virtual ~Algorithm() = default;
    virtual std::string name() const = 0;

    /// A composite algorithm (e.g. DefaultQuantization) returns the algorithms it stands for;
    /// the registry builds those instead. Empty for a plain algorithm.
    virtual std::vector<AlgorithmSpec> expand() const { return {}; }

    /// Statistics needed from `graph`, the model as it is before apply().
    virtual std::vector<StatisticRequest> statistics_needed(const Graph& graph, HostServices& host) = 0;

    /// Which samples statistics are collected on. The default is POT's: the first 300 samples. An
    /// algorithm taking POT's stat_subset_size, shuffle_data and seed keys returns what
    /// parse_sampling() read from its parameters.
    /// @since ABI 2.0
    virtual SamplingSettings sampling() const { return {}; }

    /// True when later algorithms must measure the model after this one ran; ends a statistics
    /// stage (POT's change_original_model).
    virtual bool changes_model() const { return false; }

    /// Edits `graph` in place. `stats` answers statistics_needed(); valid for the call only.
    virtual void apply(Graph& graph, const Statistics& stats, HostServices& host) = 0;
};

/// A value whose channels (along `axis`) an algorithm may remap. @since ABI 2.6
struct ValueChannels {
    std::string value;
    int64_t axis = 1;
};

/// An increasing affine remapping of a value's channels: where the value read x in channel c, it
/// reads scale[c] * x + offset[c] afterwards (scale[c] > 0). @since ABI 2.6
struct ChannelAffine {
    std::string value;
    int64_t axis = 1;
    std::vector<float> scale;
    std::vector<float> offset;
};

/// Optional interface of a model-changing algorithm whose apply() changes the values of the model
/// only by remapping some values' channels with increasing affine maps (every other value stays as
/// it was, up to rounding): ActivationChannelAlignment. The host then collects the next stage's
/// statistics in this stage's pass, maps the ones it can through the change (minima, maxima, means
/// and quantiles per channel; per-tensor minima, maxima and means from per-sample channel
/// summaries) and measures again only the others. Found with dynamic_cast.
/// @since ABI 2.6
class POT_SDK_VISIBLE ChannelAffineChange {
public:
    virtual ~ChannelAffineChange() = default;
    /// After statistics_needed(), before apply(): every value apply() may remap.
    virtual std::vector<ValueChannels> values_it_may_remap() const = 0;
    /// After apply(): the remappings it made. A value not listed here kept its values.
    virtual std::vector<ChannelAffine> remappings_applied() const = 0;
};

}  // namespace pot
