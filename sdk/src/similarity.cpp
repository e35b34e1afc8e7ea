#include "pot/similarity.hpp"

#include <cmath>

#include "pot/error.hpp"

namespace pot {

Similarity Similarity::of(const std::vector<float>& actual, const std::vector<float>& reference) {
    POT_CHECK(actual.size() == reference.size(), "comparing ", actual.size(), " values with ", reference.size());
    Similarity s;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double a = actual[i], r = reference[i];
        s.dot += a * r;
        s.actual_energy += a * a;
        s.reference_energy += r * r;
        s.noise_energy += (a - r) * (a - r);
    }
    return s;
}

double Similarity::cosine() const {
    if (actual_energy == 0 && reference_energy == 0) return 1.0;
    if (actual_energy == 0 || reference_energy == 0) return 0.0;
    return dot / std::sqrt(actual_energy * reference_energy);
}

double Similarity::sqnr_db() const {
    return noise_energy > 0 ? 10.0 * std::log10(reference_energy / noise_energy) : kExactSqnrDb;
}

Similarity& Similarity::operator+=(const Similarity& other) {
    dot += other.dot;
    actual_energy += other.actual_energy;
    reference_energy += other.reference_energy;
    noise_energy += other.noise_energy;
    return *this;
}

}  // namespace pot
