#include "pot/core/synthetic_images.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pot/core/atomic_file.hpp"
#include "pot/error.hpp"

namespace pot::core {

namespace {

// x' = a x + b y + e, y' = c x + d y + f, picked with probability proportional to |det|.
struct AffineMap {
    double a, b, c, d, e, f;
};

// 2 to 4 maps, each contracting (largest singular value below 0.9) so the chaos game converges.
std::vector<AffineMap> random_system(std::mt19937_64& rng) {
    std::uniform_int_distribution<int> count(2, 4);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<AffineMap> maps(static_cast<size_t>(count(rng)));
    for (auto& m : maps) {
        m = {u(rng), u(rng), u(rng), u(rng), u(rng), u(rng)};
        // Largest singular value of [[a, b], [c, d]].
        const double p = m.a * m.a + m.b * m.b + m.c * m.c + m.d * m.d;
        const double q = m.a * m.d - m.b * m.c;
        const double sigma = std::sqrt(0.5 * (p + std::sqrt(std::max(0.0, p * p - 4 * q * q))));
        const double shrink = sigma > 0.85 ? 0.85 / sigma : 1.0;
        m.a *= shrink, m.b *= shrink, m.c *= shrink, m.d *= shrink;
    }
    return maps;
}

cv::Mat fractal_density(std::mt19937_64& rng, int height, int width) {
    const auto maps = random_system(rng);
    std::vector<double> weights;
    for (const auto& m : maps) weights.push_back(std::max(0.02, std::fabs(m.a * m.d - m.b * m.c)));
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    const int64_t points = std::max<int64_t>(int64_t{20000}, int64_t{2} * height * width);
    std::vector<std::array<double, 2>> orbit;
    orbit.reserve(static_cast<size_t>(points));
    double x = 0, y = 0;
    for (int64_t i = 0; i < points + 20; ++i) {
        const auto& m = maps[pick(rng)];
        const double nx = m.a * x + m.b * y + m.e, ny = m.c * x + m.d * y + m.f;
        x = nx, y = ny;
        if (i >= 20) orbit.push_back({x, y});  // the first steps are still approaching the attractor
    }
    double lo_x = INFINITY, hi_x = -INFINITY, lo_y = INFINITY, hi_y = -INFINITY;
    for (const auto& [px, py] : orbit) {
        lo_x = std::min(lo_x, px), hi_x = std::max(hi_x, px);
        lo_y = std::min(lo_y, py), hi_y = std::max(hi_y, py);
    }
    const double span = std::max({hi_x - lo_x, hi_y - lo_y, 1e-9});
    cv::Mat density = cv::Mat::zeros(height, width, CV_32F);
    // Fit the attractor into the frame with a margin, keeping its aspect ratio.
    const double scale = 0.9 * std::min(height, width) / span;
    const double off_x = 0.5 * (width - scale * (hi_x - lo_x)), off_y = 0.5 * (height - scale * (hi_y - lo_y));
    for (const auto& [px, py] : orbit) {
        const int col = static_cast<int>((px - lo_x) * scale + off_x), row = static_cast<int>((py - lo_y) * scale + off_y);
        if (row >= 0 && row < height && col >= 0 && col < width) density.at<float>(row, col) += 1.0f;
    }
    cv::log(density + 1.0f, density);
    double max_value = 0;
    cv::minMaxLoc(density, nullptr, &max_value);
    if (max_value > 0) density /= max_value;
    return density;
}

cv::Mat synthetic_image(std::mt19937_64& rng, int height, int width, int channels) {
    std::uniform_real_distribution<float> colour(0.0f, 255.0f);
    const cv::Mat density = fractal_density(rng, height, width);
    const cv::Scalar background(colour(rng), colour(rng), colour(rng));
    const cv::Scalar near(colour(rng), colour(rng), colour(rng)), far(colour(rng), colour(rng), colour(rng));
    cv::Mat image(height, width, CV_32FC3);
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            const float t = density.at<float>(r, c);
            auto& px = image.at<cv::Vec3f>(r, c);
            for (int k = 0; k < 3; ++k) {
                const double fg = far[k] + (near[k] - far[k]) * t;
                px[k] = static_cast<float>(t > 0 ? fg * std::min(1.0f, 4 * t) + background[k] * (1 - std::min(1.0f, 4 * t))
                                                 : background[k]);
            }
        }
    cv::GaussianBlur(image, image, cv::Size(3, 3), 0.8);
    cv::Mat out;
    image.convertTo(out, CV_8UC3);
    if (channels == 1) cv::cvtColor(out, out, cv::COLOR_BGR2GRAY);
    return out;
}

}  // namespace

void generate_synthetic_images(const std::filesystem::path& dir, int64_t count, int64_t height, int64_t width,
                               int64_t channels, uint64_t seed) {
    POT_CHECK_KIND(Config, count >= 1 && count <= 100000, "synthetic data: image count must be in [1, 100000], got ",
                   count);
    POT_CHECK_KIND(Config, height >= 8 && height <= 4096 && width >= 8 && width <= 4096,
                   "synthetic data: image sides must be in [8, 4096], got ", height, "x", width);
    POT_CHECK_KIND(Config, channels == 1 || channels == 3, "synthetic data: images have 1 or 3 channels, got ",
                   channels);
    // The folder is the generator's own: images written among a dataset's would mix with it.
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            const bool generated = name.size() == 10 && name.ends_with(".png") &&
                                   std::all_of(name.begin(), name.begin() + 6, [](char c) { return c >= '0' && c <= '9'; });
            POT_CHECK_KIND(Config, generated, "/engine/data_source: '", dir.string(), "' holds '", name,
                           "', which the generator did not write; data_free writes its images into a folder of its "
                           "own: give a new or empty folder (or generate_data: false to read this one)");
        }
    }
    std::filesystem::create_directories(dir, ec);
    POT_CHECK_KIND(Input, !ec, "synthetic data: cannot create folder '", dir.string(), "': ", ec.message());
    for (int64_t i = 0; i < count; ++i) {
        std::mt19937_64 rng(seed * 1000003u + static_cast<uint64_t>(i));
        const cv::Mat image = synthetic_image(rng, static_cast<int>(height), static_cast<int>(width),
                                              static_cast<int>(channels));
        std::vector<uchar> png;
        POT_CHECK_KIND(Runtime, cv::imencode(".png", image, png), "synthetic data: PNG encoding failed");
        char name[32];
        std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
        write_file_atomically(dir / name, std::string(png.begin(), png.end()));
    }
}

}  // namespace pot::core
