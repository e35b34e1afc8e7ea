#include "engine_choice.hpp"

#include <filesystem>
#include <new>

#include "pot/core/failure_context.hpp"
#include "pot/error.hpp"

namespace pot::app {

namespace {

// Runs a call into plugin code; rethrows what it raised as an exception made by the host.
// Out of memory and file system errors keep their type, so the top level can say what failed.
template <typename F>
auto guard(F&& f) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        throw std::bad_alloc();
    } catch (const std::filesystem::filesystem_error& e) {
        throw std::filesystem::filesystem_error(e.what(), e.path1(), e.path2(), e.code());
    } catch (const Error& e) {
        throw Error(e.kind(), e.what());
    } catch (const std::exception& e) {
        // main prints a pot::Error as it is: name the stage while its scopes are still open.
        const std::string stage = core::current_stage();
        throw Error(ErrorKind::Runtime, str_cat(e.what(), stage.empty() ? "" : " while " + stage));
    }
}

class GuardedEngine final : public Engine {
public:
    explicit GuardedEngine(core::PluginPtr<Engine> engine) : engine_(std::move(engine)) {}

    std::string name() const override { return guard([&] { return engine_->name(); }); }
    void set_options(const EngineOptions& options) override {
        guard([&] { engine_->set_options(options); });
    }
    void set_model(const Graph& graph) override { guard([&] { engine_->set_model(graph); }); }
    std::vector<Tensor> infer(const std::vector<Tensor>& inputs, const std::vector<std::string>& observed,
                              ValueObserver* observer) override {
        return guard([&] { return engine_->infer(inputs, observed, observer); });
    }
    Statistics collect(const DataLoader& data, const std::vector<StatisticRequest>& requests,
                       const std::vector<size_t>& indices, Progress* progress) override {
        return guard([&] { return engine_->collect(data, requests, indices, progress); });
    }
    double evaluate(const DataLoader& data, Metric& metric, const std::vector<size_t>& indices,
                    Progress* progress) override {
        return guard([&] { return engine_->evaluate(data, metric, indices, progress); });
    }
    BenchmarkResult benchmark(const Graph& graph, const BenchmarkOptions& options) override {
        return guard([&] { return engine_->benchmark(graph, options); });
    }

private:
    core::PluginPtr<Engine> engine_;
};

}  // namespace

std::unique_ptr<Engine> create_engine(const core::Registry& registry, const std::string& name,
                                      const std::string& params_json, const std::string& where) {
    std::string chosen = name;
    if (chosen.empty()) chosen = registry.has(POT_KIND_ENGINE, "cpu") ? "cpu" : "reference";
    return std::make_unique<GuardedEngine>(registry.create_engine(chosen, params_json, where));
}

}  // namespace pot::app
