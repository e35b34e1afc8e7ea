#include "channel_mean.hpp"

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
    const auto values = t.to_floats();
    for (size_t i = 0; i < values.size(); ++i)
        sums[static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels)] += values[i];
    const double per_channel = static_cast<double>(values.size()) / static_cast<double>(channels);
    std::vector<float> means(sums.size());
    for (size_t c = 0; c < sums.size(); ++c) means[c] = static_cast<float>(sums[c] / per_channel);
    return means;
}

Tensor broadcast_channels(const std::vector<float>& means, const Shape& shape, int64_t axis) {
    const auto [inner, channels] = inner_and_channels(shape, axis);
    POT_CHECK(static_cast<int64_t>(means.size()) == channels, means.size(),
              " channel values for shape ", shape_str(shape), " along axis ", axis);
    Tensor t(DType::F32, shape);
    float* dst = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i)
        dst[i] = means[static_cast<size_t>((i / inner) % channels)];
    return t;
}

}  // namespace pot::bias_correction
