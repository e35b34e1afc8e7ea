#include "pot/text.hpp"

#include <algorithm>
#include <cctype>

namespace pot {

namespace {
// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring characters (the commonest typo) each cost one.
size_t edit_distance(const std::string& a, const std::string& b) {
    auto same = [&](size_t i, size_t j) {
        return std::tolower(static_cast<unsigned char>(a[i])) == std::tolower(static_cast<unsigned char>(b[j]));
    };
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(i - 1, j - 1) ? 0 : 1)});
            if (i > 1 && j > 1 && same(i - 1, j - 2) && same(i - 2, j - 1))
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
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
