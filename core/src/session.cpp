#include "pot/core/session.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include "pot/error.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

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
    std::string key;
    if (cache_) {
        key = StatisticsCache::key(graph, data_.identity(), indices);
        if (auto hit = cache_->find(key, requests)) {
            logger_.log(LogLevel::Info, str_cat("statistics of ", unique_requests(requests).size(),
                                                " requests loaded from ", cache_->file().string()));
            return *hit;
        }
    }
    auto model = engine_.compile(graph);
    auto stats = engine_.collect(*model, data_, requests, indices, progress_);
    if (cache_) cache_->store(key, stats);
    return stats;
}

void Session::report(const std::string& algorithm, const std::string& key, const std::string& json_text) {
    reports_[algorithm][key] =
        parse_json(json_text, str_cat(algorithm, " reported JSON for '", key, "'"), ErrorKind::Runtime);
}

}  // namespace pot::core
