#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pot/graph.hpp"
#include "pot/statistics.hpp"

namespace pot::core {

/// A 64-bit fingerprint (hex) of everything that affects inference: nodes, attributes, constants
/// and inputs. Equal graphs give equal fingerprints across runs.
std::string graph_fingerprint(const Graph& graph);

/// Statistics kept in a JSON file between runs, keyed by what they were collected on: the model
/// (graph_fingerprint), the data (DataLoader::identity) and the samples used. A changed model or
/// data set gives a new key, so its statistics are collected again.
class StatisticsCache {
public:
    /// Opens `file`; a missing file is an empty cache. A corrupt one, one that is not a regular
    /// file (a FIFO, a device), is over 1 GiB or nests deeper than kJsonMaxDepth is an Input error.
    explicit StatisticsCache(std::filesystem::path file);
    /// A cache kept in memory only, for the length of one run.
    StatisticsCache() = default;

    /// The key for statistics of `graph` over `samples` of the data identified by `data_identity`.
    static std::string key(const Graph& graph, const std::string& data_identity,
                           const std::vector<size_t>& samples);

    /// Every one of `requests` under `key`, or nullopt when any is missing.
    std::optional<Statistics> find(const std::string& key, const std::vector<StatisticRequest>& requests) const;
    /// Adds `stats` under `key` and writes the file (atomically) when there is one.
    void store(const std::string& key, const Statistics& stats);

    size_t hits() const { return hits_; }
    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path file_;
    nlohmann::json entries_ = nlohmann::json::object();
    mutable size_t hits_ = 0;
};

}  // namespace pot::core
