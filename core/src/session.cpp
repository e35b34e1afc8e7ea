#include "pot/core/session.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <random>

#include "pot/core/pipeline.hpp"
#include "pot/error.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

namespace {
// A search running a search running a search ... is a configuration mistake, not a design.
constexpr int kMaxNestedRuns = 4;
}  // namespace

Session::Session(Engine& engine, const DataLoader& data, Evaluator& evaluator, std::string target_device,
                 Logger& logger, Progress* progress)
    : engine_(engine), data_(data), evaluator_(evaluator), target_device_(std::move(target_device)), logger_(logger),
      progress_(progress) {}

std::vector<size_t> Session::sample_indices(size_t subset_size) const {
    std::vector<size_t> all(data_.size());
    std::iota(all.begin(), all.end(), size_t{0});
    if (selection_.shuffle) {
        std::mt19937_64 rng(selection_.seed);
        std::shuffle(all.begin(), all.end(), rng);
    }
    if (subset_size > 0 && subset_size < all.size()) all.resize(subset_size);
    return all;
}

Statistics Session::collect(const Graph& graph, const std::vector<StatisticRequest>& requests,
                            size_t subset_size) {
    const auto indices = sample_indices(subset_size);
    // Statistics are kept between runs in the configured cache file, and within a job for nested
    // runs (a search quantizing again); a plain pipeline run asks for each only once.
    StatisticsCache* cache = cache_ ? cache_ : nesting_ > 0 || memoize_ ? &memo_ : nullptr;
    std::string key;
    if (cache) {
        key = StatisticsCache::key(graph, data_.identity(), indices);
        if (auto hit = cache->find(key, requests)) {
            logger_.log(LogLevel::Info, str_cat("statistics of ", unique_requests(requests).size(), " requests ",
                                                cache_ ? "loaded from " + cache_->file().string()
                                                       : std::string("reused from earlier in this run")));
            return *hit;
        }
    }
    auto model = engine_.compile(graph);
    auto stats = engine_.collect(*model, data_, requests, indices, progress_);
    if (cache) cache->store(key, stats);
    return stats;
}

Graph Session::run_algorithms(const Graph& graph, const std::vector<AlgorithmSpec>& algorithms,
                             const std::string& where) {
    POT_CHECK(registry_, where, ": this host does not run algorithms for other algorithms");
    POT_CHECK_KIND(Config, nesting_ < kMaxNestedRuns, where, ": algorithms run each other more than ",
                   kMaxNestedRuns, " levels deep");
    POT_CHECK_KIND(Config, !algorithms.empty(), where.empty() ? current_path_ : where, ": no algorithm to run");
    // A relative place is the caller's own: its parameters hold the nested algorithm's keys.
    const std::string at = !where.empty() && where[0] == '/' ? where
                           : where.empty()                   ? current_path_
                                                             : str_cat(current_path_, "/", where);
    std::vector<AlgorithmConfig> configs;
    for (size_t i = 0; i < algorithms.size(); ++i)
        configs.push_back({algorithms[i].name, algorithms[i].params_json,
                           algorithms.size() == 1 ? at : str_cat(at, "/", i)});
    Pipeline pipeline(*registry_, configs);
    // Nested runs set their own sample selection; the caller's is back when they end.
    struct Restore {
        Session& session;
        SampleSelection selection;
        std::string path;
        ~Restore() {
            --session.nesting_;
            session.selection_ = selection;
            session.current_path_ = path;
        }
    } restore{*this, selection_, current_path_};
    ++nesting_;
    Graph result = graph;
    pipeline.run(result, *this);
    return result;
}

void Session::report(const std::string& algorithm, const std::string& key, const std::string& json_text) {
    reports_[algorithm][key] =
        parse_json(json_text, str_cat(algorithm, " reported JSON for '", key, "'"), ErrorKind::Runtime);
}

void Session::checkpoint(const Graph& model, bool meets_target, const std::string& summary_json) {
    auto summary = parse_json(summary_json, "the summary of a checkpoint", ErrorKind::Runtime);
    POT_CHECK(summary.is_object(), "the summary of a checkpoint must be a JSON object, got ", summary.type_name());
    if (checkpoint_sink_) checkpoint_sink_(model, meets_target, summary);
    target_met_ = meets_target;
}

void Session::add_result_file(const std::string& name, const std::string& bytes) {
    const bool plain = !name.empty() && name != "." && name != ".." && name.size() <= 128 &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
                       });
    POT_CHECK(plain, "result file '", name, "': a name of at most 128 letters, digits, '.', '_' and '-' is needed");
    const bool taken = std::find(reserved_names_.begin(), reserved_names_.end(), name) != reserved_names_.end() ||
                       std::any_of(result_files_.begin(), result_files_.end(),
                                   [&](const auto& file) { return file.first == name; });
    POT_CHECK(!taken, "result file '", name, "': another file of the results has that name");
    result_files_.emplace_back(name, bytes);
}

}  // namespace pot::core
