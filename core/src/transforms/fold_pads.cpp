#include <algorithm>
#include <cmath>
#include <optional>

#include "node_removal.hpp"
#include "pot/core/graph_transforms.hpp"

namespace pot::core {

namespace {
/// What a constant-mode Pad adds around the spatial axes of an [N, C, spatial...] tensor: the
/// begin pads of each spatial axis, then the end pads, and the value it fills with. Nullopt for
/// any other Pad (other modes, negative pads, pads on N or C, pads not known constants).
struct SpatialPad {
    std::vector<int64_t> pads;
    float value = 0.0f;
};

std::optional<SpatialPad> spatial_pad(const Graph& graph, const Node& pad) {
    if (pad.outputs.size() != 1 || pad.inputs.empty() || pad.inputs[0].empty()) return std::nullopt;
    if (pad.attr_string("mode", "constant") != "constant") return std::nullopt;
    if (pad.inputs.size() > 3 && !pad.inputs[3].empty()) return std::nullopt;  // axes (opset 18)
    const std::vector<int64_t> pads = constant_pads(graph, pad);
    const size_t rank = pads.size() / 2;
    if (pads.size() % 2 != 0 || rank < 3) return std::nullopt;
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) return std::nullopt;
    if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0) return std::nullopt;
    SpatialPad result;
    result.pads.insert(result.pads.end(), pads.begin() + 2, pads.begin() + static_cast<std::ptrdiff_t>(rank));
    result.pads.insert(result.pads.end(), pads.begin() + static_cast<std::ptrdiff_t>(rank) + 2, pads.end());
    if (pad.inputs.size() > 2 && !pad.inputs[2].empty()) {
        if (!graph.is_constant(pad.inputs[2])) return std::nullopt;
        const auto value = graph.constant(pad.inputs[2]).to_floats();
        if (value.size() != 1) return std::nullopt;
        result.value = value[0];
    } else {
        result.value = pad.attr_float("value", 0.0f);  // opset < 11
    }
    return result;
}

/// The padding `reader` already applies itself, when padding in its attributes means what an
/// explicit Pad of `fill` before it means: zeros for Conv, and for an AveragePool that counts
/// padded cells (or has no padding of its own, so it can be told to count them); -inf for a
/// MaxPool without indices. Pools in ceil mode are left alone: their last window may reach past
/// the padding, where an explicit Pad and the attribute differ.
std::optional<std::vector<int64_t>> own_pads(const Node& reader, size_t spatial, float fill) {
    const bool conv = is_onnx_op(reader, "Conv");
    const bool average = is_onnx_op(reader, "AveragePool");
    const bool max = is_onnx_op(reader, "MaxPool");
    if (!conv && !average && !max) return std::nullopt;
    if ((conv || average) && fill != 0.0f) return std::nullopt;
    if (max && !(std::isinf(fill) && fill < 0.0f)) return std::nullopt;
    if (max && reader.outputs.size() > 1 && !reader.outputs[1].empty()) return std::nullopt;
    if (!conv && reader.attr_int("ceil_mode", 0) != 0) return std::nullopt;
    const std::string auto_pad = reader.attr_string("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID") return std::nullopt;
    std::vector<int64_t> own(2 * spatial, 0);
    if (auto_pad == "NOTSET" && reader.has_attr("pads")) own = reader.attr_ints("pads", {});
    if (own.size() != 2 * spatial) return std::nullopt;
    const bool own_padding = std::any_of(own.begin(), own.end(), [](int64_t p) { return p != 0; });
    if (average && own_padding && reader.attr_int("count_include_pad", 0) == 0) return std::nullopt;
    return own;
}

/// Moves Pad node `index` into its only reader; false when it has to stay.
bool fold_into_reader(Graph& graph, size_t index) {
    const Node& pad = graph.nodes[index];
    if (!is_onnx_op(pad, "Pad")) return false;
    const auto padding = spatial_pad(graph, pad);
    if (!padding) return false;
    const std::string& dst = pad.outputs[0];
    if (graph.is_output(dst)) return false;
    const auto readers = graph.consumers(dst);
    if (readers.size() != 1) return false;
    Node& reader = graph.nodes[readers[0]];
    if (reader.inputs.empty() || reader.inputs[0] != dst ||
        std::count(reader.inputs.begin(), reader.inputs.end(), dst) != 1)
        return false;
    const size_t spatial = padding->pads.size() / 2;
    auto pads = own_pads(reader, spatial, padding->value);
    if (!pads) return false;
    for (size_t i = 0; i < pads->size(); ++i) (*pads)[i] += padding->pads[i];
    reader.attributes["pads"] = *pads;
    reader.attributes.erase("auto_pad");
    if (is_onnx_op(reader, "AveragePool")) reader.attributes["count_include_pad"] = int64_t{1};
    reader.inputs[0] = pad.inputs[0];
    graph.value_info.erase(dst);
    return true;
}
}  // namespace

void fold_pads(Graph& graph) {
    remove_nodes(graph, [&](size_t i) { return fold_into_reader(graph, i); });
}

}  // namespace pot::core
