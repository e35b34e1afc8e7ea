#include "pot/core/pipeline.hpp"

#include "config_problems.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <new>
#include <optional>

#include "pot/core/failure_context.hpp"
#include "pot/core/statistics_mapping.hpp"
#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::core {

namespace {
// Composites may name composites; this bounds accidental recursion.
constexpr int kMaxExpansionDepth = 8;

// Mutes the session's log for its lifetime.
class MutedLog {
public:
    explicit MutedLog(Session& host) : host_(host), was_muted_(host.mute_log(true)) {}
    ~MutedLog() { host_.mute_log(was_muted_); }
    MutedLog(const MutedLog&) = delete;
    MutedLog& operator=(const MutedLog&) = delete;

private:
    Session& host_;
    bool was_muted_;
};

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

size_t Pipeline::stage_end(size_t begin) const {
    size_t end = begin;
    const auto changes_model = [&](const Step& s) {
        return call_plugin(s.origin, "changes_model", [&] { return s.algorithm->changes_model(); });
    };
    while (end < steps_.size() && !changes_model(steps_[end])) ++end;
    return std::min(end + 1, steps_.size());
}

Pipeline::StagePlan Pipeline::stage_plan(size_t begin, size_t end, const Graph& graph, Session& host) const {
    StagePlan plan;
    // From 0, not SampleSelection's default of 300: the stage collects on the most samples one of
    // its algorithms asks for, which may be fewer than 300.
    plan.selection.subset_size = 0;
    bool all_samples = false;
    for (size_t i = begin; i < end; ++i) {
        auto& algorithm = *steps_[i].algorithm;
        auto r = call_plugin(steps_[i].origin, "statistics_needed",
                             [&] { return algorithm.statistics_needed(graph, host); });
        plan.requests.insert(plan.requests.end(), r.begin(), r.end());
        const SamplingSettings sampling = call_plugin(steps_[i].origin, "sampling", [&] { return algorithm.sampling(); });
        all_samples = all_samples || sampling.subset_size == 0;
        plan.selection.subset_size = std::max(plan.selection.subset_size, sampling.subset_size);
        if (i == begin) {
            plan.selection.shuffle = sampling.shuffle;
            plan.selection.seed = sampling.seed;
        }
    }
    if (all_samples) plan.selection.subset_size = 0;
    return plan;
}

Pipeline::LookAhead Pipeline::look_ahead(const ChannelAffineChange& change, const Step& changer,
                                         size_t next_begin, const Graph& graph, Session& host,
                                         const SampleSelection& selection) const {
    LookAhead ahead;
    ahead.remapped = call_plugin(changer.origin, "values_it_may_remap", [&] { return change.values_it_may_remap(); });
    // The next stage is asked on the model before the change, which has the same values (the
    // change rewrites constants only); it is asked again on the changed model before it runs.
    // What it logs now would be said twice.
    StagePlan next;
    {
        const MutedLog muted(host);
        next = stage_plan(next_begin, stage_end(next_begin), graph, host);
    }
    if (next.selection.subset_size != selection.subset_size || next.selection.shuffle != selection.shuffle ||
        next.selection.seed != selection.seed)
        return {};  // other samples: nothing collected now would serve
    ahead.next = unique_requests(next.requests);
    for (const auto& r : ahead.next) {
        const auto remapped = std::find_if(ahead.remapped.begin(), ahead.remapped.end(),
                                           [&](const ValueChannels& v) { return v.value == r.value; });
        if (remapped == ahead.remapped.end()) {
            ahead.collect.push_back(r);
            continue;
        }
        // Empty for statistics that cannot be mapped: measured on the changed model.
        const auto sources = remap_sources(r, remapped->axis);
        ahead.collect.insert(ahead.collect.end(), sources.begin(), sources.end());
    }
    return ahead;
}

Statistics Pipeline::carry_over(const LookAhead& ahead, const Statistics& collected,
                                const std::vector<ChannelAffine>& applied) {
    Statistics carried;
    for (const auto& r : ahead.next) {
        const auto announced = std::find_if(ahead.remapped.begin(), ahead.remapped.end(),
                                            [&](const ValueChannels& v) { return v.value == r.value; });
        const auto change = std::find_if(applied.begin(), applied.end(),
                                         [&](const ChannelAffine& c) { return c.value == r.value; });
        if (announced == ahead.remapped.end()) {
            // A value the change was not to touch; one it remapped all the same is measured again.
            if (change == applied.end() && collected.has(r)) carried.set(r, collected.get(r));
            continue;
        }
        std::optional<Tensor> value;
        if (change != applied.end()) {
            if (change->axis == announced->axis) value = remap_statistic(r, *change, collected);
        } else {
            // Announced but left as it was: the identity map over the channels collected.
            const auto sources = remap_sources(r, announced->axis);
            if (!sources.empty() && collected.has(sources[0]) && collected.get(sources[0]).rank() > 0) {
                const auto channels = static_cast<size_t>(collected.get(sources[0]).dim(-1));
                const ChannelAffine identity{r.value, announced->axis, std::vector<float>(channels, 1.0f),
                                             std::vector<float>(channels, 0.0f)};
                value = remap_statistic(r, identity, collected);
            }
        }
        if (value) carried.set(r, std::move(*value));
    }
    return carried;
}

std::vector<StepTiming> Pipeline::run(Graph& graph, Session& host, Graph* float_reference,
                                      const StepObserver& after_step) {
    std::vector<StepTiming> timings;
    bool quantized = has_fake_quantize(graph);
    if (float_reference && !quantized) *float_reference = graph;
    // Statistics of the stage about to run that the stage before collected for it.
    std::optional<Statistics> carried;
    size_t begin = 0;
    while (begin < steps_.size()) {
        const size_t end = stage_end(begin);
        // One statistics pass for the stage [begin, end), on the model as it is now.
        const StagePlan plan = stage_plan(begin, end, graph, host);
        host.select_samples(plan.selection);
        std::vector<StatisticRequest> requests;
        for (const auto& r : plan.requests)
            if (!carried || !carried->has(r)) requests.push_back(r);

        const Step& last = steps_[end - 1];
        const auto* change = collect_ahead_ && end < steps_.size()
                                 ? dynamic_cast<const ChannelAffineChange*>(last.algorithm.get())
                                 : nullptr;
        LookAhead ahead;
        if (change) {
            ahead = look_ahead(*change, last, end, graph, host, plan.selection);
            requests.insert(requests.end(), ahead.collect.begin(), ahead.collect.end());
        }

        Statistics stats = carried ? std::move(*carried) : Statistics{};
        carried.reset();
        if (!requests.empty()) {
            std::string names;
            for (size_t i = begin; i < end; ++i)
                names += str_cat(i == begin ? "" : ", ", steps_[i].origin.object, " (",
                                 steps_[i].path, ")");
            if (!ahead.next.empty()) names += " and the stage after them";
            const StageScope stage(str_cat("collecting statistics for ", names));
            const auto start = std::chrono::steady_clock::now();
            stats.merge(host.collect(graph, requests, plan.selection.subset_size));
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
        if (!ahead.next.empty()) {
            const auto applied =
                call_plugin(last.origin, "remappings_applied", [&] { return change->remappings_applied(); });
            carried = carry_over(ahead, stats, applied);
        }
        begin = end;
    }
    return timings;
}

}  // namespace pot::core
