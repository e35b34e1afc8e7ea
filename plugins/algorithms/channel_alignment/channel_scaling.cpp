#include "channel_scaling.hpp"

#include <algorithm>

namespace pot::channel_alignment {

namespace {

// Names the copy of a constant other nodes share, made before it is aligned.
constexpr const char* kCopySuffix = "/aligned";

float median_of(std::vector<float> values) {
    const size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid),
                     values.end());
    const float upper = values[mid];
    if (values.size() % 2 == 1) return upper;
    const float lower =
        *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
    return 0.5f * (lower + upper);
}

// The bias of Conv `index`, added as zeros when the Conv has none.
Tensor& owned_bias(Graph& graph, size_t index, int64_t channels) {
    Node& conv = graph.nodes[index];
    if (conv.inputs.size() < 3 || conv.inputs[2].empty()) {
        const std::string name = graph.unique_name(conv.name + "/bias");
        graph.initializers[name] = Tensor(DType::F32, {channels});
        conv.inputs.resize(3);
        conv.inputs[2] = name;
    }
    return owned_constant(graph, index, 2, kCopySuffix);
}

bool has_bias(const Node& conv) { return conv.inputs.size() > 2 && !conv.inputs[2].empty(); }

}  // namespace

ChannelTransform compute_transform(const std::vector<float>& low, const std::vector<float>& high,
                                   bool through_relu) {
    POT_CHECK(!low.empty() && low.size() == high.size(), "channel alignment: ", low.size(),
              " low and ", high.size(), " high quantiles; expected one of each per channel");
    const size_t channels = low.size();
    ChannelTransform t{std::vector<float>(channels, 0.0f), std::vector<float>(channels, 1.0f)};
    std::vector<float> width(channels);
    for (size_t c = 0; c < channels; ++c) {
        width[c] = std::max(high[c] - low[c], 0.0f);
        if (!through_relu) t.shift[c] = 0.5f * (low[c] + high[c]);
    }
    const float median = median_of(width);
    if (!(median > 0.0f)) return t;
    for (size_t c = 0; c < channels; ++c)
        if (width[c] > 0.0f)
            t.scale[c] = std::clamp(width[c] / median, kMinChannelScale, kMaxChannelScale);
    return t;
}

void apply_transform(Graph& graph, const ConvPair& pair, const ChannelTransform& transform) {
    const auto channels = static_cast<size_t>(pair.channels);
    POT_CHECK(transform.shift.size() == channels && transform.scale.size() == channels,
              "channel alignment of '", pair.producer, "': transform has ", transform.scale.size(),
              " channels, the Conv has ", channels);
    const bool shifts = std::any_of(transform.shift.begin(), transform.shift.end(),
                                    [](float s) { return s != 0.0f; });
    const size_t producer = node_index(graph, pair.producer);
    const size_t consumer = node_index(graph, pair.consumer);

    Tensor& w_src = owned_constant(graph, producer, 1, kCopySuffix);
    const auto per_filter = static_cast<size_t>(w_src.numel()) / channels;
    float* w1 = w_src.data<float>();
    for (size_t c = 0; c < channels; ++c)
        for (size_t i = 0; i < per_filter; ++i) w1[c * per_filter + i] /= transform.scale[c];
    if (shifts || has_bias(graph.nodes[producer])) {
        float* b1 = owned_bias(graph, producer, pair.channels).data<float>();
        for (size_t c = 0; c < channels; ++c)
            b1[c] = (b1[c] - transform.shift[c]) / transform.scale[c];
    }

    Tensor& w_dst = owned_constant(graph, consumer, 1, kCopySuffix);
    const int64_t outputs = w_dst.dim(0);
    float* w2 = w_dst.data<float>();
    if (shifts) {
        // The consumer saw x; it now sees x - shift: add back W . shift (before W is rescaled).
        float* b2 = owned_bias(graph, consumer, outputs).data<float>();
        for (int64_t o = 0; o < outputs; ++o) {
            double sum = 0.0;
            for (size_t c = 0; c < channels; ++c)
                sum += static_cast<double>(w2[static_cast<size_t>(o) * channels + c]) *
                       transform.shift[c];
            b2[o] += static_cast<float>(sum);
        }
    }
    for (int64_t o = 0; o < outputs; ++o)
        for (size_t c = 0; c < channels; ++c)
            w2[static_cast<size_t>(o) * channels + c] *= transform.scale[c];
}

}  // namespace pot::channel_alignment
