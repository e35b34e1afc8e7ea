#include "channel_mean.hpp"

#include <algorithm>

namespace pot::bias_correction {

namespace {

// Elements after `axis` and the channel count along it.
std::pair<int64_t, int64_t> inner_and_channels(const Shape& shape, int64_t axis) {
    POT_CHECK(axis >= 0 && axis < static_cast<int64_t>(shape.size()), "channel axis ", axis,
              " is out of range for shape ", shape_str(shape));
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    return {inner, shape[static_cast<size_t>(axis)]};
}

}  // namespace

StatisticRequest channel_mean_request(const std::string& value, int64_t axis) {
    StatisticRequest request;
    request.value = value;
    request.reducer = ReducerKind::Mean;
    request.axis = axis;
    return request;
}

std::vector<float> channel_means(const Tensor& t, int64_t axis) {
    const auto [inner, channels] = inner_and_channels(t.shape(), axis);
    std::vector<double> sums(static_cast<size_t>(channels), 0.0);
    const Tensor converted = t.dtype() == DType::F32 ? Tensor() : t.cast(DType::F32);
    const float* x = (t.dtype() == DType::F32 ? t : converted).data<float>();
    // Runs of `inner` elements belong to one channel, the channels taking turns.
    size_t c = 0;
    for (int64_t start = 0; start < t.numel(); start += inner) {
        double run = 0.0;
        for (int64_t j = 0; j < inner; ++j) run += x[start + j];
        sums[c] += run;
        if (++c == sums.size()) c = 0;
    }
    const double per_channel = static_cast<double>(t.numel()) / static_cast<double>(channels);
    std::vector<float> means(sums.size());
    for (size_t k = 0; k < sums.size(); ++k) means[k] = static_cast<float>(sums[k] / per_channel);
    return means;
}

Tensor broadcast_channels(const std::vector<float>& means, const Shape& shape, int64_t axis) {
    const auto [inner, channels] = inner_and_channels(shape, axis);
    POT_CHECK(static_cast<int64_t>(means.size()) == channels, means.size(),
              " channel values for shape ", shape_str(shape), " along axis ", axis);
    Tensor t(DType::F32, shape);
    float* dst = t.data<float>();
    size_t c = 0;
    for (int64_t start = 0; start < t.numel(); start += inner) {
        std::fill_n(dst + start, inner, means[c]);
        if (++c == means.size()) c = 0;
    }
    return t;
}

}  // namespace pot::bias_correction
