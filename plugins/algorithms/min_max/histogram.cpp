#include "histogram.hpp"

#include <algorithm>
#include <cmath>

#include "pot/error.hpp"

namespace pot::min_max {

double AbsHistogram::total() const {
    double sum = 0.0;
    for (double c : counts) sum += c;
    return sum;
}

double AbsHistogram::mean_abs() const {
    double sum = 0.0;
    for (size_t i = 0; i < counts.size(); ++i) sum += counts[i] * center(i);
    const double n = total();
    return n > 0.0 ? sum / n : 0.0;
}

double AbsHistogram::mean_square() const {
    double sum = 0.0;
    for (size_t i = 0; i < counts.size(); ++i) sum += counts[i] * center(i) * center(i);
    const double n = total();
    return n > 0.0 ? sum / n : 0.0;
}

AbsHistogram fold_to_abs(const std::vector<int64_t>& counts, double abs_max) {
    POT_CHECK(!counts.empty() && counts.size() % 2 == 0, "a symmetric histogram needs an even, "
              "non-zero number of bins; got ", counts.size());
    const size_t half = counts.size() / 2;
    AbsHistogram h;
    h.bin_width = abs_max / static_cast<double>(half);
    h.counts.resize(half);
    for (size_t i = 0; i < half; ++i)
        h.counts[i] = static_cast<double>(counts[half + i] + counts[half - 1 - i]);
    return h;
}

AbsHistogram abs_histogram_of(const std::vector<float>& values, size_t bins) {
    POT_CHECK(bins > 0, "a histogram needs at least one bin");
    double abs_max = 0.0;
    for (float v : values) abs_max = std::max(abs_max, std::fabs(static_cast<double>(v)));
    AbsHistogram h;
    h.counts.assign(bins, 0.0);
    h.bin_width = abs_max > 0.0 ? abs_max / static_cast<double>(bins) : 1.0;
    const double last = static_cast<double>(bins - 1);
    for (float v : values) {
        const double bin = std::min(std::floor(std::fabs(static_cast<double>(v)) / h.bin_width), last);
        h.counts[static_cast<size_t>(bin)] += 1.0;
    }
    return h;
}

}  // namespace pot::min_max
