#include "shape_probe.hpp"

#include <algorithm>

#include "channel_mean.hpp"

namespace pot::bias_correction {

namespace {

bool is_static_but_batch(const Shape& shape) {
    return !shape.empty() &&
           std::all_of(shape.begin() + 1, shape.end(), [](int64_t d) { return d >= 0; });
}

}  // namespace

std::map<std::string, Shape> value_shapes(const Graph& graph,
                                          const std::vector<std::string>& values,
                                          HostServices& host) {
    std::map<std::string, Shape> shapes;
    std::vector<std::string> unknown;
    for (const auto& v : values) {
        const auto shape = graph.shape_of(v);
        if (shape && is_static_but_batch(*shape))
            shapes[v] = *shape;
        else
            unknown.push_back(v);
    }
    if (!unknown.empty()) {
        // Models built without shape inference: one sample shows the real shapes.
        POT_CHECK(host.data().size() > 0, "the shapes of '", unknown.front(),
                  "' and others are unknown and there is no calibration sample to observe them");
        ShapeRecorder observer;
        host.engine().compile(graph)->infer(host.data().get(0).inputs, unknown, &observer);
        for (const auto& v : unknown) {
            auto it = observer.shapes.find(v);
            POT_CHECK(it != observer.shapes.end(), "the engine did not produce value '", v,
                      "' whose shape is needed");
            shapes[v] = it->second;
        }
    }
    for (auto& [name, shape] : shapes)
        if (!shape.empty()) shape[0] = 1;
    return shapes;
}

std::vector<StatisticRequest> input_mean_requests(const Graph& graph, std::vector<BiasedOp>& ops,
                                                  std::map<std::string, Shape>& shapes, HostServices& host) {
    shapes.clear();
    if (ops.empty()) return {};
    std::vector<std::string> sources;
    for (const auto& op : ops) sources.push_back(op.src);
    shapes = value_shapes(graph, sources, host);
    std::erase_if(ops, [&](BiasedOp& op) {
        return !resolve_channel_axis(op, static_cast<int64_t>(shapes.at(op.src).size()));
    });
    std::vector<StatisticRequest> requests;
    for (const auto& op : ops) requests.push_back(channel_mean_request(op.src, op.channel_axis));
    return requests;
}

}  // namespace pot::bias_correction
