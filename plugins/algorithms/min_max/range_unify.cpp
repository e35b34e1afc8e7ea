#include "range_unify.hpp"

#include <algorithm>
#include <numeric>

namespace pot::min_max {

namespace {

// Union-find over the values that have a range.
class ValueGroups {
public:
    explicit ValueGroups(const std::map<std::string, ValueRange>& ranges) {
        for (const auto& [value, range] : ranges) {
            index_[value] = names_.size();
            names_.push_back(value);
        }
        parent_.resize(names_.size());
        std::iota(parent_.begin(), parent_.end(), size_t{0});
    }
    void join(const std::vector<std::string>& values) {
        std::vector<size_t> members;
        for (const auto& v : values)
            if (auto it = index_.find(v); it != index_.end()) members.push_back(it->second);
        for (size_t i = 1; i < members.size(); ++i) parent_[root(members[i])] = root(members[0]);
    }
    std::vector<std::vector<std::string>> groups() {
        std::map<size_t, std::vector<std::string>> by_root;
        for (size_t i = 0; i < names_.size(); ++i) by_root[root(i)].push_back(names_[i]);
        std::vector<std::vector<std::string>> out;
        for (auto& [r, members] : by_root)
            if (members.size() > 1) out.push_back(std::move(members));
        return out;
    }

private:
    size_t root(size_t i) {
        while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
        return i;
    }
    std::map<std::string, size_t> index_;
    std::vector<std::string> names_;
    std::vector<size_t> parent_;
};

}  // namespace

std::vector<std::vector<std::string>> shared_range_groups(const Graph& graph,
                                                          const std::map<std::string, ValueRange>& ranges,
                                                          const std::set<std::string>& op_types,
                                                          std::vector<std::string>* kept_apart) {
    const auto width = [&](const std::string& v) { return grid_width(ranges.at(v)); };
    ValueGroups groups(ranges);
    for (const Node& node : graph.nodes) {
        if (!node.domain.empty() || !op_types.count(node.op_type)) continue;
        if (node.op_type != "Concat" && node.inputs.size() == 2 && !node.outputs.empty()) {
            const auto& [a, b] = std::pair(node.inputs[0], node.inputs[1]);
            if (ranges.count(a) && ranges.count(b) && !ranges.count(node.outputs[0]) &&
                std::max(width(a), width(b)) > kMaxSharedRangeWidening * std::min(width(a), width(b))) {
                if (kept_apart) kept_apart->insert(kept_apart->end(), {a, b});
                continue;
            }
        }
        groups.join(node.inputs);
    }
    return groups.groups();
}

std::vector<std::vector<std::string>> unify_ranges(const Graph& graph,
                                                   std::map<std::string, ValueRange>& ranges,
                                                   const std::set<std::string>& op_types,
                                                   std::vector<std::string>* kept_apart) {
    auto groups = shared_range_groups(graph, ranges, op_types, kept_apart);
    for (const auto& group : groups) {
        ValueRange shared = ranges.at(group[0]);
        for (const auto& v : group) {
            shared.low = std::min(shared.low, ranges.at(v).low);
            shared.high = std::max(shared.high, ranges.at(v).high);
        }
        for (const auto& v : group) ranges[v] = shared;
    }
    return groups;
}

}  // namespace pot::min_max
