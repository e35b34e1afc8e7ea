#include "pot/engine.hpp"

#include "pot/file_io.hpp"
#include "pot/sample_reader.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <thread>

namespace pot {

namespace {

// Feeds every observed value to its reducers; reducers of one value run in parallel.
class ReducingObserver : public ValueObserver {
public:
    explicit ReducingObserver(const std::vector<StatisticRequest>& requests) {
        std::map<std::string, std::vector<StatisticRequest>> by_value;
        for (const auto& r : requests) by_value[r.value].push_back(r);
        for (const auto& [value, of_value] : by_value)
            by_value_.emplace(value, std::make_unique<ValueReducer>(of_value));
    }
    std::vector<std::string> values() const {
        std::vector<std::string> out;
        for (const auto& [name, reducer] : by_value_) out.push_back(name);
        return out;
    }
    void on_value(const std::string& value, const Tensor& tensor) override {
        auto it = by_value_.find(value);
        if (it == by_value_.end()) return;
        seen_.insert(value);
        it->second->update(tensor);
    }
    Statistics result() const {
        Statistics stats;
        for (const auto& [name, reducer] : by_value_) {
            POT_CHECK(seen_.count(name), "the engine never produced value '", name,
                      "' requested for statistics; is it a value of this model?");
            for (size_t i = 0; i < reducer->requests().size(); ++i)
                stats.set(reducer->requests()[i], reducer->result(i));
        }
        return stats;
    }

private:
    std::map<std::string, std::unique_ptr<ValueReducer>> by_value_;
    std::set<std::string> seen_;
};

}  // namespace

Statistics Engine::collect(CompiledModel& model, const DataLoader& data, const std::vector<StatisticRequest>& requests,
                           const std::vector<size_t>& indices, Progress* progress) {
    const auto unique = unique_requests(requests);
    ReducingObserver observer(unique);
    observe_samples(model, data, indices, observer.values(), observer, progress);
    return observer.result();
}

int checked_thread_count(int64_t threads, const std::string& where, ErrorKind kind) {
    const int64_t cpus = std::max<int64_t>(1, std::thread::hardware_concurrency());
    const int64_t most = std::min<int64_t>(kMaxEngineThreads, kMaxEngineThreadsPerCpu * cpus);
    if (threads < 0 || threads > most)
        throw Error(kind, str_cat(where, ": expected 0 (all cores) or a thread count up to ", most,
                                  " (", kMaxEngineThreadsPerCpu, " per logical CPU, ", cpus,
                                  " here, and at most ", kMaxEngineThreads, "), got ", threads));
    return static_cast<int>(threads);
}

uint64_t checked_benchmark_input_bytes(const Graph& graph, int64_t batch, const std::string& where,
                                       ErrorKind kind) {
    if (batch < 1) throw Error(kind, str_cat(where, ": batch must be >= 1, got ", batch));
    auto too_large = [&](const ValueInfo& in) {
        return Error(kind, str_cat(where, ": ", batch, " samples of input '", in.name, "' (shape ",
                                   shape_str(in.shape), ") take more than the ",
                                   byte_size_str(kMaxBenchmarkInputBytes), " allowed; use a smaller batch"));
    };
    uint64_t total = 0;
    for (const auto& in : graph.inputs) {
        uint64_t bytes = dtype_size(in.dtype);
        for (size_t i = 0; i < in.shape.size(); ++i) {
            const auto d = static_cast<uint64_t>(i == 0 ? batch : std::max<int64_t>(in.shape[i], 1));
            if (__builtin_mul_overflow(bytes, d, &bytes)) throw too_large(in);
        }
        if (__builtin_add_overflow(total, bytes, &total) || total > kMaxBenchmarkInputBytes)
            throw too_large(in);
    }
    return total;
}

BenchmarkResult Engine::benchmark(CompiledModel& model, const BenchmarkOptions& options) {
    const Graph& graph = model.graph();
    std::vector<Tensor> inputs = options.inputs;
    if (inputs.empty()) checked_benchmark_input_bytes(graph, options.batch, "benchmark", ErrorKind::Runtime);
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (const auto& in : options.inputs.empty() ? graph.inputs : std::vector<ValueInfo>{}) {
        Shape shape = in.shape;
        for (size_t i = 0; i < shape.size(); ++i)
            if (shape[i] < 0) shape[i] = 1;
        if (!shape.empty()) shape[0] = options.batch;
        Tensor t(in.dtype, shape);
        if (in.dtype == DType::F32)
            for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
        inputs.push_back(std::move(t));
    }
    using Clock = std::chrono::steady_clock;
    model.infer(inputs);  // warm-up: first-run allocations and lazy compilation stay out of the numbers
    std::vector<double> latencies;
    const auto start = Clock::now();
    for (;;) {
        const auto t0 = Clock::now();
        model.infer(inputs);
        const auto t1 = Clock::now();
        latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        const double elapsed = std::chrono::duration<double>(t1 - start).count();
        if (options.iterations > 0 ? static_cast<int64_t>(latencies.size()) >= options.iterations
                                   : elapsed >= options.seconds)
            break;
    }
    BenchmarkResult r;
    r.count = static_cast<int64_t>(latencies.size());
    r.duration_ms = std::accumulate(latencies.begin(), latencies.end(), 0.0);
    std::vector<double> sorted = latencies;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    r.latency_median_ms = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    r.latency_avg_ms = r.duration_ms / static_cast<double>(n);
    r.latency_min_ms = sorted.front();
    r.latency_max_ms = sorted.back();
    r.throughput_fps = static_cast<double>(options.batch) * 1000.0 / r.latency_median_ms;
    return r;
}

}  // namespace pot
