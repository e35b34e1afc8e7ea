#include "pot/core/pipeline.hpp"

#include "config_problems.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <new>

#include "pot/core/failure_context.hpp"
#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::core {

namespace {
// Composites may name composites; this bounds accidental recursion.
constexpr int kMaxExpansionDepth = 8;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

Pipeline::Pipeline(const Registry& registry, const std::vector<AlgorithmConfig>& algorithms) {
    // Every entry is checked, so one run names the problems of all of them.
    ConfigProblems problems;
    for (const auto& a : algorithms) problems.check([&] { add(registry, {a.name, a.params_json}, a.path, 0); });
    problems.throw_if_any("");
}

Pipeline::Pipeline(const Registry& registry,
                   std::vector<std::pair<std::string, PluginPtr<Algorithm>>> algorithms) {
    for (auto& [path, algorithm] : algorithms) add(registry, std::move(algorithm), path, 0);
}

void Pipeline::add(const Registry& registry, const AlgorithmSpec& spec, const std::string& path,
                   int depth) {
    POT_CHECK_KIND(Config, depth < kMaxExpansionDepth, path, ": algorithm '", spec.name,
                   "' expands into itself");
    add(registry, registry.create_algorithm(spec.name, spec.params_json, path), path, depth);
}

void Pipeline::add(const Registry& registry, PluginPtr<Algorithm> algorithm, const std::string& path,
                   int depth) {
    PluginOrigin origin = origin_of(algorithm, "");
    origin.object = call_plugin(origin, "name", [&] { return algorithm->name(); });
    const auto parts = call_plugin(origin, "expand", [&] { return algorithm->expand(); });
    if (parts.empty()) {
        steps_.push_back({path, std::move(algorithm), std::move(origin)});
        return;
    }
    for (const auto& part : parts) add(registry, part, path, depth + 1);
}

std::vector<std::string> Pipeline::names() const {
    std::vector<std::string> out;
    for (const auto& s : steps_) out.push_back(s.origin.object);
    return out;
}

std::vector<Pipeline::TunableStep> Pipeline::tunables() const {
    std::vector<TunableStep> out;
    std::map<std::string, int> seen;
    for (const auto& s : steps_) {
        auto* t = dynamic_cast<Tunable*>(s.algorithm.get());
        if (!t) continue;
        const std::string& name = s.origin.object;
        const int n = ++seen[name];
        out.push_back({n == 1 ? name : str_cat(name, "#", n), t, s.origin});
    }
    return out;
}

std::vector<StepTiming> Pipeline::run(Graph& graph, Session& host, Graph* float_reference,
                                      const StepObserver& after_step) {
    std::vector<StepTiming> timings;
    bool quantized = has_fake_quantize(graph);
    if (float_reference && !quantized) *float_reference = graph;
    size_t begin = 0;
    while (begin < steps_.size()) {
        size_t end = begin;
        const auto changes_model = [&](const Step& s) {
            return call_plugin(s.origin, "changes_model", [&] { return s.algorithm->changes_model(); });
        };
        while (end < steps_.size() && !changes_model(steps_[end])) ++end;
        end = std::min(end + 1, steps_.size());

        // One statistics pass for the stage [begin, end), on the model as it is now.
        std::vector<StatisticRequest> requests;
        // From 0, not SampleSelection's default of 300: the stage collects on the most samples
        // one of its algorithms asks for, which may be fewer than 300.
        SampleSelection selection{.subset_size = 0};
        bool all_samples = false;
        for (size_t i = begin; i < end; ++i) {
            auto& algorithm = *steps_[i].algorithm;
            auto r = call_plugin(steps_[i].origin, "statistics_needed",
                                 [&] { return algorithm.statistics_needed(graph, host); });
            requests.insert(requests.end(), r.begin(), r.end());
            const SamplingSettings sampling = call_plugin(steps_[i].origin, "sampling", [&] { return algorithm.sampling(); });
            all_samples = all_samples || sampling.subset_size == 0;
            selection.subset_size = std::max(selection.subset_size, sampling.subset_size);
            if (i == begin) {
                selection.shuffle = sampling.shuffle;
                selection.seed = sampling.seed;
            }
        }
        if (all_samples) selection.subset_size = 0;
        host.select_samples(selection);
        Statistics stats;
        if (!requests.empty()) {
            std::string names;
            for (size_t i = begin; i < end; ++i)
                names += str_cat(i == begin ? "" : ", ", steps_[i].origin.object, " (",
                                 steps_[i].path, ")");
            const StageScope stage(str_cat("collecting statistics for ", names));
            const auto start = std::chrono::steady_clock::now();
            stats = host.collect(graph, requests, selection.subset_size);
            timings.push_back({"statistics", seconds_since(start)});
        }
        for (size_t i = begin; i < end; ++i) {
            auto& algorithm = *steps_[i].algorithm;
            const StageScope stage(
                str_cat("applying ", steps_[i].origin.object, " (", steps_[i].path, ")"));
            const auto start = std::chrono::steady_clock::now();
            host.set_current_path(steps_[i].path);
            call_plugin(steps_[i].origin, "apply", [&] { algorithm.apply(graph, stats, host); });
            timings.push_back({steps_[i].origin.object, seconds_since(start)});
            if (after_step) after_step(i, steps_[i].origin.object, graph);
            if (float_reference && !quantized) {
                quantized = has_fake_quantize(graph);
                if (!quantized) *float_reference = graph;
            }
        }
        begin = end;
    }
    return timings;
}

}  // namespace pot::core
