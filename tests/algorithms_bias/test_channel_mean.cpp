// Per-channel means and their broadcast, which bias correction feeds through the engine, along
// every axis of a tensor: each channel's mean by hand, and the broadcast puts it at every
// position of that channel.
#include <gtest/gtest.h>

#include "channel_mean.hpp"

namespace {

using pot::Shape;
using pot::Tensor;

TEST(ChannelMean, MeansAndBroadcastAlongEveryAxis) {
    const Shape shape{2, 3, 4, 5};
    std::vector<float> values(120);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 37) % 101) - 50.0f;
    const Tensor t = Tensor::from_vector<float>(shape, values);
    for (int64_t axis = 0; axis < 4; ++axis) {
        SCOPED_TRACE(axis);
        int64_t inner = 1;
        for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
        const int64_t channels = shape[static_cast<size_t>(axis)];
        std::vector<double> sums(static_cast<size_t>(channels), 0.0);
        for (size_t i = 0; i < values.size(); ++i) sums[(i / static_cast<size_t>(inner)) % static_cast<size_t>(channels)] += values[i];
        const auto means = pot::bias_correction::channel_means(t, axis);
        ASSERT_EQ(means.size(), sums.size());
        for (size_t c = 0; c < means.size(); ++c)
            EXPECT_NEAR(means[c], sums[c] / (120.0 / static_cast<double>(channels)), 1e-5) << c;
        const Tensor spread = pot::bias_correction::broadcast_channels(means, shape, axis);
        const float* p = spread.data<float>();
        for (size_t i = 0; i < values.size(); ++i)
            ASSERT_EQ(p[i], means[(i / static_cast<size_t>(inner)) % static_cast<size_t>(channels)]) << i;
    }
    // Integer tensors are averaged as floats.
    const Tensor ints = Tensor::from_vector<int64_t>({1, 2, 2}, {1, 3, 10, 20});
    const auto m = pot::bias_correction::channel_means(ints, 1);
    EXPECT_FLOAT_EQ(m[0], 2.0f);
    EXPECT_FLOAT_EQ(m[1], 15.0f);
}

}  // namespace
