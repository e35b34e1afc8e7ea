#include "range_softmax.hpp"

#include <algorithm>
#include <cmath>

namespace pot::min_max {

namespace {

// The Softmax node `value` comes from, looking through ops that pass it on unchanged.
const Node* softmax_source(const Graph& graph, const std::string& value) {
    std::string current = value;
    for (;;) {
        const auto index = graph.producer(current);
        if (!index) return nullptr;
        const Node& node = graph.nodes[*index];
        if (node.op_type == "Softmax") return &node;
        if ((node.op_type != "Dropout" && node.op_type != "Identity") || node.inputs.empty())
            return nullptr;
        current = node.inputs[0];
    }
}

}  // namespace

double softmax_min_output_scale(int64_t d) {
    return 2.0 / (static_cast<double>(std::max<int64_t>(d, 1)) * std::exp(5.0));
}

int64_t softmax_length(const Shape& shape, int64_t axis, int64_t opset) {
    const auto rank = static_cast<int64_t>(shape.size());
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return 0;
    // Before opset 13 the input is coerced to 2-D at `axis`.
    const int64_t last = opset < 13 ? rank : axis + 1;
    int64_t length = 1;
    for (int64_t d = axis; d < last; ++d) {
        if (shape[d] <= 0) return 0;
        length *= shape[d];
    }
    return length;
}

std::vector<SoftmaxOutput> find_softmax_outputs(const Graph& graph,
                                                const std::map<std::string, ValueRange>& ranges) {
    std::vector<SoftmaxOutput> outputs;
    for (const auto& [value, range] : ranges) {
        const Node* softmax = softmax_source(graph, value);
        if (!softmax || softmax->inputs.empty()) continue;
        SoftmaxOutput out{value, softmax->inputs[0],
                          softmax->attr_int("axis", graph.opset < 13 ? 1 : -1), 0};
        if (const auto shape = graph.shape_of(out.softmax_input))
            out.length = softmax_length(*shape, out.axis, graph.opset);
        outputs.push_back(std::move(out));
    }
    return outputs;
}

std::vector<SoftmaxRangeFloor> floor_softmax_output_ranges(const std::vector<SoftmaxOutput>& outputs,
                                                           std::map<std::string, ValueRange>& ranges,
                                                           int bits) {
    std::vector<SoftmaxRangeFloor> widened;
    const double steps = std::ldexp(1.0, bits) - 1.0;
    for (const auto& out : outputs) {
        const auto it = ranges.find(out.value);
        if (it == ranges.end()) continue;
        ValueRange& range = it->second;
        const double min_width = softmax_min_output_scale(out.length) * steps;
        if (grid_width(range) >= min_width) continue;
        // Softmax outputs are not negative: the grid is [min(low, 0), high], widened at the top.
        const double min_high = std::min(range.low, 0.0f) + min_width;
        // Rounded up, so the float scale computed from the range stays at or above the floor.
        const float high = std::nextafter(static_cast<float>(min_high), INFINITY);
        widened.push_back({out.value, out.length, range.high, high});
        range.high = high;
    }
    return widened;
}

}  // namespace pot::min_max
