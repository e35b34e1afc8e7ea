#pragma once

#include <cmath>
#include <random>
#include <vector>

namespace pot::test {

/// `count` draws from a Laplace distribution with scale `b` (zero mean), from a fixed seed.
inline std::vector<float> laplace_sample(size_t count, double b, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    std::vector<float> out(count);
    for (auto& v : out) {
        const double p = u(rng);
        const double sign = p < 0 ? -1.0 : 1.0;
        v = static_cast<float>(-b * sign * std::log(1.0 - 2.0 * std::fabs(p)));
    }
    return out;
}

}  // namespace pot::test
