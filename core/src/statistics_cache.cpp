#include "pot/core/statistics_cache.hpp"

#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "pot/core/atomic_file.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

namespace {

// Statistics are a few numbers per channel of each activation: megabytes for large models.
constexpr uint64_t kMaxCacheBytes = uint64_t{1} << 30;

// FNV-1a: simple, stable across platforms and runs, good enough to tell models apart.
class Fnv1a {
public:
    void add(const void* data, size_t size) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (size_t i = 0; i < size; ++i) {
            hash_ ^= p[i];
            hash_ *= 1099511628211ull;
        }
    }
    void add(const std::string& s) {
        add(s.data(), s.size());
        add("\0", 1);
    }
    template <typename T>
    void add_value(const T& v) {
        add(&v, sizeof(v));
    }
    std::string hex() const {
        std::ostringstream out;
        out << std::hex << std::setw(16) << std::setfill('0') << hash_;
        return out.str();
    }

private:
    uint64_t hash_ = 1469598103934665603ull;
};

void add_tensor(Fnv1a& h, const Tensor& t) {
    h.add_value(static_cast<int>(t.dtype()));
    for (int64_t d : t.shape()) h.add_value(d);
    h.add(t.raw(), t.byte_size());
}

}  // namespace

std::string graph_fingerprint(const Graph& graph) {
    Fnv1a h;
    for (const auto& in : graph.inputs) {
        h.add(in.name);
        for (int64_t d : in.shape) h.add_value(d);
    }
    for (const auto& n : graph.nodes) {
        h.add(n.op_type);
        h.add(n.domain);
        for (const auto& i : n.inputs) h.add(i);
        for (const auto& o : n.outputs) h.add(o);
        for (const auto& [key, value] : n.attributes) {
            h.add(key);
            std::visit(
                [&](const auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::string>) h.add(v);
                    else if constexpr (std::is_same_v<T, Tensor>) add_tensor(h, v);
                    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
                        for (const auto& s : v) h.add(s);
                    else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<float>>)
                        h.add(v.data(), v.size() * sizeof(v[0]));
                    else h.add_value(v);
                },
                value);
        }
    }
    for (const auto& [name, t] : graph.initializers) {
        h.add(name);
        add_tensor(h, t);
    }
    return h.hex();
}

StatisticsCache::StatisticsCache(std::filesystem::path file) : file_(std::move(file)) {
    std::error_code ec;
    // A missing file is a cache not written yet; anything else at the path must be readable.
    if (!std::filesystem::exists(std::filesystem::symlink_status(file_, ec))) return;
    const std::string text = read_file_bounded(file_, kMaxCacheBytes, "statistics cache");
    try {
        const auto j = parse_json(text, file_.string(), ErrorKind::Input);
        POT_CHECK_KIND(Input, j.is_object() && j.value("version", 0) == 1 && j.contains("entries") &&
                           j.at("entries").is_object(),
                       file_.string(), ": not a statistics cache of this version");
        entries_ = j.at("entries");
    } catch (const Error& e) {
        POT_THROW(Input, e.what(), "; delete the statistics cache to start over");
    } catch (const nlohmann::json::exception& e) {
        POT_THROW(Input, file_.string(), ": corrupt statistics cache (", e.what(), "); delete it to start over");
    }
}

std::string StatisticsCache::key(const Graph& graph, const std::string& data_identity,
                                 const std::vector<size_t>& samples) {
    Fnv1a h;
    h.add(graph_fingerprint(graph));
    h.add(data_identity);
    for (size_t s : samples) h.add_value(s);
    return h.hex();
}

std::optional<Statistics> StatisticsCache::find(const std::string& key,
                                                const std::vector<StatisticRequest>& requests) const {
    auto entry = entries_.find(key);
    if (entry == entries_.end()) return std::nullopt;
    Statistics stats;
    for (const auto& r : requests) {
        auto it = entry->find(r.key());
        if (it == entry->end()) return std::nullopt;
        try {
            const auto shape = it->at("shape").get<Shape>();
            const auto values = it->at("values").get<std::vector<float>>();
            POT_CHECK_KIND(Input, shape_numel(shape) == static_cast<int64_t>(values.size()),
                           "shape ", shape_str(shape), " does not match ", values.size(), " values");
            stats.set(r, Tensor::from_vector<float>(shape, values));
        } catch (const std::exception& e) {
            POT_THROW(Input, file_.string(), ": corrupt statistics cache entry '", r.key(), "' (",
                      e.what(), "); delete the file to start over");
        }
    }
    ++hits_;
    return stats;
}

void StatisticsCache::store(const std::string& key, const Statistics& stats) {
    auto& entry = entries_[key];
    for (const auto& [request_key, tensor] : stats.all())
        entry[request_key] = {{"shape", tensor.shape()}, {"values", tensor.to_floats()}};
    if (!file_.empty())
        write_file_atomically(file_, nlohmann::json{{"version", 1}, {"entries", entries_}}.dump() + "\n");
}

}  // namespace pot::core
