#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pot/core/tuning_loop.hpp"
#include "pot/error.hpp"

namespace pot::core {

namespace {

std::string fixed(double v, int digits) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << v;
    return out.str();
}

}  // namespace

std::string plot_tuning_trials(const TuningOutcome& outcome, const TuningSettings& settings) {
    constexpr int kLeft = 70, kTop = 40, kWidth = 560, kHeight = 360, kBottom = 60, kRight = 30;
    cv::Mat img(kTop + kHeight + kBottom, kLeft + kWidth + kRight, CV_8UC3, cv::Scalar(255, 255, 255));
    const cv::Scalar black(0, 0, 0), grey(200, 200, 200), blue(200, 120, 40), red(40, 40, 220), green(60, 160, 60);

    // x: speed-up over the float model; y: accuracy loss in percent (lower is better).
    double x_low = 1.0, x_high = std::max(1.0, settings.targets.latency_reduce);
    double y_high = settings.targets.accuracy_loss;
    for (const auto& t : outcome.trials) {
        x_low = std::min(x_low, t.measurement.latency_ratio);
        x_high = std::max(x_high, t.measurement.latency_ratio);
        y_high = std::max(y_high, t.measurement.accuracy_loss * 100);
    }
    double y_low = 0;
    for (const auto& t : outcome.trials) y_low = std::min(y_low, t.measurement.accuracy_loss * 100);
    const double x_pad = std::max(0.05, (x_high - x_low) * 0.05), y_pad = std::max(0.05, (y_high - y_low) * 0.05);
    x_low -= x_pad, x_high += x_pad, y_low -= y_pad, y_high += y_pad;
    const auto px = [&](double x) { return kLeft + static_cast<int>((x - x_low) / (x_high - x_low) * kWidth); };
    const auto py = [&](double y) { return kTop + kHeight - static_cast<int>((y - y_low) / (y_high - y_low) * kHeight); };

    cv::rectangle(img, {kLeft, kTop}, {kLeft + kWidth, kTop + kHeight}, black, 1);
    for (int i = 0; i <= 4; ++i) {
        const double x = x_low + (x_high - x_low) * i / 4, y = y_low + (y_high - y_low) * i / 4;
        cv::putText(img, fixed(x, 2) + "x", {px(x) - 16, kTop + kHeight + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1);
        cv::putText(img, fixed(y, 2), {8, py(y) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1);
    }
    cv::putText(img, str_cat(outcome.optimizer, ": ", outcome.trials.size(), " trials; accuracy loss (%) vs speed-up"),
                {kLeft, 24}, cv::FONT_HERSHEY_SIMPLEX, 0.55, black, 1);
    cv::putText(img, "speed-up over the float model", {kLeft + kWidth / 2 - 110, kTop + kHeight + 44},
                cv::FONT_HERSHEY_SIMPLEX, 0.45, black, 1);
    // Targets: accuracy loss at most accuracy_loss, speed-up at least latency_reduce.
    cv::line(img, {kLeft, py(settings.targets.accuracy_loss)}, {kLeft + kWidth, py(settings.targets.accuracy_loss)},
             green, 1);
    cv::line(img, {px(settings.targets.latency_reduce), kTop}, {px(settings.targets.latency_reduce), kTop + kHeight},
             green, 1);

    for (const auto& t : outcome.trials)
        cv::circle(img, {px(t.measurement.latency_ratio), py(t.measurement.accuracy_loss * 100)}, 3, grey, cv::FILLED);
    const auto front = outcome.pareto_front();
    for (size_t i = 0; i < front.size(); ++i) {
        const auto& m = outcome.trials[front[i]].measurement;
        const cv::Point p(px(m.latency_ratio), py(m.accuracy_loss * 100));
        cv::circle(img, p, 4, blue, cv::FILLED);
        if (i > 0) {
            const auto& prev = outcome.trials[front[i - 1]].measurement;
            cv::line(img, {px(prev.latency_ratio), py(prev.accuracy_loss * 100)}, p, blue, 1);
        }
    }
    if (!outcome.trials.empty()) {
        const auto& m = outcome.best_trial().measurement;
        cv::circle(img, {px(m.latency_ratio), py(m.accuracy_loss * 100)}, 8, red, 2);
    }
    std::vector<uchar> png;
    POT_CHECK(cv::imencode(".png", img, png), "cannot encode the tuning plot");
    return std::string(png.begin(), png.end());
}

}  // namespace pot::core
