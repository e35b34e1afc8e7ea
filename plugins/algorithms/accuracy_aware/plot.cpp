#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pot/error.hpp"

namespace pot::accuracy_aware {

namespace {

const cv::Scalar kBlack(0, 0, 0), kGrid(225, 225, 225), kBudget(40, 40, 210), kPath(150, 150, 150);

cv::Scalar color_of(const std::string& action) {
    if (action == "revert") return {60, 160, 60};  // green
    if (action == "undo") return {150, 150, 150};  // grey
    return {200, 110, 30};                          // quantize, mixed preset: blue
}

std::string number(double v) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.3g", v);
    return text;
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.42) {
    cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, kBlack, 1, cv::LINE_AA);
}

}  // namespace

std::string plot_steps(const Outcome& outcome) {
    constexpr int kLeft = 70, kRight = 30, kTop = 50, kHeight = 280, kBottom = 70;
    const int steps = static_cast<int>(outcome.steps.size());
    const int width = std::max(520, kLeft + kRight + 28 * std::max(steps - 1, 1));
    cv::Mat img(kTop + kHeight + kBottom, width, CV_8UC3, cv::Scalar(255, 255, 255));

    double low = std::min(0.0, outcome.budget), high = outcome.budget;
    for (const auto& s : outcome.steps) {
        low = std::min(low, s.drop);
        high = std::max(high, s.drop);
    }
    if (high - low < 1e-9) high = low + 1;
    high += 0.08 * (high - low);
    const int plot_width = width - kLeft - kRight;
    const auto x_of = [&](int i) { return kLeft + (steps > 1 ? i * plot_width / (steps - 1) : plot_width / 2); };
    const auto y_of = [&](double drop) {
        return kTop + kHeight - static_cast<int>(std::lround((drop - low) / (high - low) * kHeight));
    };

    for (int tick = 0; tick <= 4; ++tick) {
        const double v = low + (high - low) * tick / 4;
        cv::line(img, {kLeft, y_of(v)}, {width - kRight, y_of(v)}, kGrid, 1);
        text(img, number(v), {8, y_of(v) + 5});
    }
    cv::line(img, {kLeft, y_of(outcome.budget)}, {width - kRight, y_of(outcome.budget)}, kBudget, 1, cv::LINE_AA);
    text(img, "budget " + number(outcome.budget), {kLeft + 4, y_of(outcome.budget) - 6});
    text(img, "AccuracyAwareQuantization: drop after each step", {kLeft, 22}, 0.55);
    text(img, outcome.met ? "budget met" : "budget NOT met", {kLeft, 40});

    // The path of the search: an undo returns to the model before the revert it undoes.
    std::vector<cv::Point> points;
    for (int i = 0; i < steps; ++i) points.emplace_back(x_of(i), y_of(outcome.steps[static_cast<size_t>(i)].drop));
    for (int i = 1; i < steps; ++i) cv::line(img, points[static_cast<size_t>(i - 1)], points[static_cast<size_t>(i)], kPath, 1, cv::LINE_AA);
    for (int i = 0; i < steps; ++i)
        cv::circle(img, points[static_cast<size_t>(i)], 4, color_of(outcome.steps[static_cast<size_t>(i)].action), cv::FILLED,
                   cv::LINE_AA);
    for (int i = 0; i < steps; i += std::max(1, steps / 10)) text(img, std::to_string(i), {x_of(i) - 4, kTop + kHeight + 18});

    const int legend_y = kTop + kHeight + 45;
    int x = kLeft;
    for (const char* action : {"quantize", "revert", "undo"}) {
        cv::circle(img, {x, legend_y - 4}, 4, color_of(action), cv::FILLED, cv::LINE_AA);
        text(img, action, {x + 8, legend_y});
        x += 90;
    }
    text(img, "step", {width - kRight - 30, legend_y});

    std::vector<uchar> png;
    POT_CHECK(cv::imencode(".png", img, png), kAlgorithmName, ": could not encode the plot of the search as PNG");
    return std::string(png.begin(), png.end());
}

}  // namespace pot::accuracy_aware
