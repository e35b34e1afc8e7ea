#include "pot/core/plugin_boundary.hpp"

#include <filesystem>
#include <new>

#include "pot/core/failure_context.hpp"
#include "pot/error.hpp"
#include "pot/profiling.hpp"

namespace pot::core {

std::string PluginOrigin::describe() const {
    if (!library) return "";
    return str_cat("plugin ", library->plugin_name(), " ", library->version(), ", ", library->file().string());
}

void rethrow_from_plugin(const PluginOrigin& origin, std::string_view call) {
    const std::string where = origin.describe();
    const auto message = [&](const char* what) {
        return str_cat(origin.object, " ", call, ": ", what, where.empty() ? "" : " [" + where + "]");
    };
    try {
        throw;
    } catch (const std::bad_alloc&) {
        throw std::bad_alloc();
    } catch (const std::filesystem::filesystem_error& e) {
        throw std::filesystem::filesystem_error(message(e.what()), e.path1(), e.path2(), e.code());
    } catch (const Error& e) {
        throw Error(e.kind(), message(e.what()));
    } catch (const std::exception& e) {
        // main prints a pot::Error as it is: name the stage while its scopes are still open.
        const std::string stage = current_stage();
        throw Error(ErrorKind::Runtime, message(e.what()) + (stage.empty() ? "" : " while " + stage));
    } catch (...) {
        throw Error(ErrorKind::Runtime, message("an exception that is not a std::exception"));
    }
}

namespace {

// The origin of `object`, named "<kind> '<its name>'"; asking the name is a plugin call too.
template <typename T>
PluginOrigin named_origin(const PluginPtr<T>& object, const char* kind) {
    PluginOrigin origin = origin_of(object, kind);
    origin.object = str_cat(kind, " '", call_plugin(origin, "name", [&] { return object->name(); }), "'");
    return origin;
}

class GuardedModel final : public CompiledModel, public ProfilingModel {
public:
    GuardedModel(std::unique_ptr<CompiledModel> model, PluginOrigin origin)
        : origin_(std::move(origin)), model_(std::move(model)) {}

    const Graph& graph() const override {
        return call_plugin(origin_, "graph", [&]() -> const Graph& { return model_->graph(); });
    }
    std::vector<Tensor> infer(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                              ValueObserver* observer) override {
        return call_plugin(origin_, "infer", [&] { return model_->infer(inputs, observed, observer); });
    }
    std::vector<NodeTime> profile(const std::vector<Tensor>& inputs, int64_t iterations) override {
        auto* inner = dynamic_cast<ProfilingModel*>(model_.get());
        POT_CHECK_KIND(Usage, inner != nullptr, origin_.object, " does not time its steps (no per-node profile)");
        return call_plugin(origin_, "profile", [&] { return inner->profile(inputs, iterations); });
    }

    /// The engine's own model, for the engine's own loops.
    CompiledModel& inner() { return *model_; }

private:
    PluginOrigin origin_;  // declared first, destroyed last: the library outlives the model
    std::unique_ptr<CompiledModel> model_;
};

// What an engine's collect() or benchmark() is handed: the model it compiled itself (which it may
// drive through its own means, e.g. a plan without outputs for statistics) rather than the guard
// around it; those calls run as one plugin call, so failures inside are named all the same.
CompiledModel& engines_own(CompiledModel& model) {
    auto* guarded = dynamic_cast<GuardedModel*>(&model);
    return guarded ? guarded->inner() : model;
}

// The data loops of Engine run host code (the SDK's defaults) or an engine's override, as one
// guarded plugin call each.
class GuardedEngine final : public Engine {
public:
    explicit GuardedEngine(PluginPtr<Engine> engine)
        : engine_(std::move(engine)), origin_(named_origin(engine_, "engine")) {}

    std::string name() const override { return call_plugin(origin_, "name", [&] { return engine_->name(); }); }
    std::unique_ptr<CompiledModel> compile(const Graph& graph) override {
        auto model = call_plugin(origin_, "compile", [&] { return engine_->compile(graph); });
        POT_CHECK(model != nullptr, origin_.object, " compile returned no model");
        return std::make_unique<GuardedModel>(std::move(model), origin_);
    }
    EngineCapabilities capabilities() const override {
        return call_plugin(origin_, "capabilities", [&] { return engine_->capabilities(); });
    }
    Statistics collect(CompiledModel& model, const DataLoader& data, const std::vector<StatisticRequest>& requests,
                       const std::vector<size_t>& indices, Progress* progress) override {
        return call_plugin(origin_, "collect",
                           [&] { return engine_->collect(engines_own(model), data, requests, indices, progress); });
    }
    BenchmarkResult benchmark(CompiledModel& model, const BenchmarkOptions& options) override {
        return call_plugin(origin_, "benchmark", [&] { return engine_->benchmark(engines_own(model), options); });
    }

private:
    PluginPtr<Engine> engine_;
    PluginOrigin origin_;
};

class GuardedOptimizer final : public Optimizer {
public:
    explicit GuardedOptimizer(PluginPtr<Optimizer> optimizer)
        : optimizer_(std::move(optimizer)), origin_(named_origin(optimizer_, "optimizer")) {}

    std::string name() const override {
        return call_plugin(origin_, "name", [&] { return optimizer_->name(); });
    }
    Trial ask(const SearchSpace& space) override {
        return call_plugin(origin_, "ask", [&] { return optimizer_->ask(space); });
    }
    void tell(const Trial& trial, double score) override {
        call_plugin(origin_, "tell", [&] { optimizer_->tell(trial, score); });
    }

private:
    PluginPtr<Optimizer> optimizer_;
    PluginOrigin origin_;
};

class GuardedMetric final : public Metric {
public:
    explicit GuardedMetric(PluginPtr<Metric> metric)
        : metric_(std::move(metric)), origin_(named_origin(metric_, "metric")) {}

    std::string name() const override { return call_plugin(origin_, "name", [&] { return metric_->name(); }); }
    bool higher_is_better() const override {
        return call_plugin(origin_, "higher_is_better", [&] { return metric_->higher_is_better(); });
    }
    bool needs_reference() const override {
        return call_plugin(origin_, "needs_reference", [&] { return metric_->needs_reference(); });
    }
    void reset() override { call_plugin(origin_, "reset", [&] { metric_->reset(); }); }
    void update(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference,
                const Sample& sample) override {
        call_plugin(origin_, "update", [&] { metric_->update(outputs, reference, sample); });
    }
    double value() const override { return call_plugin(origin_, "value", [&] { return metric_->value(); }); }
    std::vector<double> per_sample() const override {
        return call_plugin(origin_, "per_sample", [&] { return metric_->per_sample(); });
    }

private:
    PluginPtr<Metric> metric_;
    PluginOrigin origin_;
};

}  // namespace

std::unique_ptr<Metric> guard_metric(PluginPtr<Metric> metric) {
    return std::make_unique<GuardedMetric>(std::move(metric));
}

std::unique_ptr<Engine> guard_engine(PluginPtr<Engine> engine) {
    return std::make_unique<GuardedEngine>(std::move(engine));
}

std::unique_ptr<Optimizer> guard_optimizer(PluginPtr<Optimizer> optimizer) {
    return std::make_unique<GuardedOptimizer>(std::move(optimizer));
}

}  // namespace pot::core
