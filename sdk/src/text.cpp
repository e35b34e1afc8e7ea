#include "pot/text.hpp"

#include <algorithm>
#include <cctype>

namespace pot {

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}
}  // namespace

std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = std::string::npos;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(name, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    // A plausible typo changes at most a third of the longer name (and never everything).
    const size_t longest = std::max(name.size(), best.size());
    if (best.empty() || best_distance * 3 > longest + 2) return "";
    return best;
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
    const auto best = nearest_name(name, candidates);
    return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

}  // namespace pot
