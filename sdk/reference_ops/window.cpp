#include "window.hpp"

#include <algorithm>

namespace pot::reference {

void check_auto_pad(const Node& node) {
    const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
    POT_CHECK(auto_pad == "NOTSET" || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER" ||
                  auto_pad == "VALID",
              "unknown auto_pad '", auto_pad,
              "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
}

WindowAttributes window_attributes(const Node& node, size_t rank) {
    WindowAttributes w{node.attr_ints("strides", std::vector<int64_t>(rank, 1)),
                       node.attr_ints("dilations", std::vector<int64_t>(rank, 1)),
                       node.attr_ints("pads", std::vector<int64_t>(2 * rank, 0))};
    POT_CHECK(w.strides.size() == rank, "strides has ", w.strides.size(), " values, expected ", rank);
    POT_CHECK(w.dilations.size() == rank, "dilations has ", w.dilations.size(), " values, expected ",
              rank);
    POT_CHECK(w.pads.size() == 2 * rank, "pads has ", w.pads.size(), " values, expected ", 2 * rank);
    return w;
}

void check_window_axis(int64_t kernel, int64_t stride, int64_t dilation) {
    POT_CHECK(kernel >= 1 && stride >= 1 && dilation >= 1, "kernel ", kernel, ", stride ", stride,
              " and dilation ", dilation, " must all be >= 1");
}

std::vector<WindowAxis> window_axes(const Node& node, const Shape& in, const Shape& kernel,
                                    bool ceil_mode) {
    const size_t rank = in.size();
    POT_CHECK(kernel.size() == rank, "kernel has ", kernel.size(),
              " spatial dims but the input has ", rank);
    const auto [strides, dilations, pads] = window_attributes(node, rank);
    const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");

    std::vector<WindowAxis> axes(rank);
    for (size_t i = 0; i < rank; ++i) {
        WindowAxis& a = axes[i];
        a.in = in[i];
        a.kernel = kernel[i];
        a.stride = strides[i];
        a.dilation = dilations[i];
        check_window_axis(a.kernel, a.stride, a.dilation);
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            a.out = (a.in + a.stride - 1) / a.stride;
            const int64_t total = std::max<int64_t>(0, (a.out - 1) * a.stride + a.extent() - a.in);
            // SAME_UPPER puts the odd padding element at the end, SAME_LOWER at the beginning.
            a.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            a.pad_end = total - a.pad_begin;
            continue;
        }
        if (auto_pad == "NOTSET") {
            a.pad_begin = pads[i];
            a.pad_end = pads[rank + i];
        }
        const int64_t span = a.in + a.pad_begin + a.pad_end - a.extent();
        POT_CHECK(span >= 0, "window of extent ", a.extent(), " does not fit input length ", a.in,
                  " with pads ", a.pad_begin, "+", a.pad_end);
        a.out = span / a.stride + 1;
        if (ceil_mode && span % a.stride != 0) {
            ++a.out;
            if ((a.out - 1) * a.stride >= a.in + a.pad_begin) --a.out;
        }
    }
    return axes;
}

void WindowAxis::valid_outputs(int64_t k, int64_t& first, int64_t& last) const {
    // input_pos(o, k) = o * stride + offset must lie in [0, in).
    const int64_t offset = k * dilation - pad_begin;
    first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const int64_t room = in - 1 - offset;
    last = room < 0 ? 0 : std::min(out, room / stride + 1);
    first = std::min(first, last);
}

std::vector<WindowAxis> as_3d(std::vector<WindowAxis> axes) {
    POT_CHECK(!axes.empty() && axes.size() <= 3,
              "only 1 to 3 spatial dimensions are supported, got ", axes.size());
    while (axes.size() < 3) axes.insert(axes.begin(), WindowAxis{});
    return axes;
}

}  // namespace pot::reference
