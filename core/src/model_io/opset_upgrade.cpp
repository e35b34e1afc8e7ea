#include <limits>
#include <optional>
#include <set>

#include "model_io_passes.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::core::model_io {

namespace {
// Opsets older than this changed Add/Mul/BatchNormalization semantics through attributes
// (broadcast, consumed_inputs) that have no faithful rewrite here.
constexpr int64_t kOldestUpgradableOpset = 7;

class OpsetUpgrader {
public:
    OpsetUpgrader(Graph& graph, int64_t target) : graph_(graph), from_(graph.opset), to_(target) {}

    void run() {
        POT_CHECK(from_ >= kOldestUpgradableOpset, "the model uses opset ", from_,
                  "; opsets older than ", kOldestUpgradableOpset,
                  " cannot be raised to ", to_, " here: re-export the model with a newer opset");
        std::vector<Node> upgraded;
        upgraded.reserve(graph_.nodes.size());
        // graph_.nodes stays intact until the end so unique_name() sees every node.
        for (const Node& node : graph_.nodes) {
            if (!node.domain.empty() && node.domain != "ai.onnx") {
                upgraded.push_back(node);
                continue;
            }
            for (auto& n : upgrade(node)) upgraded.push_back(std::move(n));
        }
        graph_.nodes = std::move(upgraded);
        graph_.opset = to_;
    }

private:
    /// True when the op's signature changed at `version` and the upgrade crosses it.
    bool crosses(int64_t version) const { return from_ < version && to_ >= version; }

    std::string add_constant(const Node& node, const std::string& suffix, Tensor value) {
        std::string name = graph_.unique_name(node.name + "/" + suffix);
        while (taken_.count(name)) name = graph_.unique_name(name + "_");
        taken_.insert(name);
        graph_.initializers[name] = std::move(value);
        return name;
    }

    static Tensor ints_1d(const std::vector<int64_t>& values) {
        return Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values);
    }

    /// Moves attribute `key` (a list of ints) into input slot `slot` as a 1-D int64 constant.
    void ints_attr_to_input(Node& node, const std::string& key, size_t slot) {
        if (!node.has_attr(key)) return;
        const std::string name = add_constant(node, key, ints_1d(node.attr_ints(key)));
        node.attributes.erase(key);
        set_input(node, slot, name);
    }

    static void set_input(Node& node, size_t slot, const std::string& name) {
        if (node.inputs.size() <= slot) node.inputs.resize(slot + 1);
        node.inputs[slot] = name;
    }

    static void trim_trailing_empty_inputs(Node& node) {
        while (!node.inputs.empty() && node.inputs.back().empty()) node.inputs.pop_back();
    }

    std::vector<Node> upgrade(Node node) {
        const std::string& op = node.op_type;
        if (op == "Clip" && crosses(11)) upgrade_clip(node);
        else if (op == "Pad" && crosses(11)) upgrade_pad(node);
        else if (op == "Slice" && crosses(10)) {
            ints_attr_to_input(node, "starts", 1);
            ints_attr_to_input(node, "ends", 2);
            ints_attr_to_input(node, "axes", 3);
        } else if (op == "TopK" && crosses(10)) {
            const int64_t k = node.attr_int("k", -1);
            POT_CHECK(k >= 0, node.describe(), ": attribute 'k' is missing");
            node.attributes.erase("k");
            set_input(node, 1, add_constant(node, "k", ints_1d({k})));
        } else if (op == "Upsample" && to_ >= 10) upgrade_upsample(node);
        else if (op == "Resize" && crosses(11)) upgrade_resize_10(node);
        else if (op == "Dropout" && crosses(12)) {
            if (node.has_attr("ratio")) {
                const float ratio = node.attr_float("ratio", 0.5f);
                node.attributes.erase("ratio");
                set_input(node, 1, add_constant(node, "ratio", Tensor::scalar(ratio)));
            }
        } else if (op == "Scatter" && crosses(11)) node.op_type = "ScatterElements";
        else if (op == "BatchNormalization" && crosses(9)) {
            POT_CHECK(node.attr_int("spatial", 1) == 1, node.describe(),
                      ": spatial=0 has no equivalent after opset 9");
            node.attributes.erase("spatial");
        } else if ((op == "Squeeze" || op == "Unsqueeze" || op == "ReduceSum") && crosses(13))
            ints_attr_to_input(node, "axes", 1);
        else if (op == "Split" && crosses(13)) ints_attr_to_input(node, "split", 1);
        else if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && crosses(13))
            return upgrade_softmax(std::move(node));
        return {std::move(node)};
    }

    void upgrade_clip(Node& node) {
        const bool has_min = node.has_attr("min"), has_max = node.has_attr("max");
        const float lo = node.attr_float("min", -std::numeric_limits<float>::max());
        const float hi = node.attr_float("max", std::numeric_limits<float>::max());
        node.attributes.erase("min");
        node.attributes.erase("max");
        node.inputs.resize(1);
        if (has_min || has_max) {
            node.inputs.push_back(has_min ? add_constant(node, "min", Tensor::scalar(lo)) : "");
            if (has_max) node.inputs.push_back(add_constant(node, "max", Tensor::scalar(hi)));
        }
    }

    void upgrade_pad(Node& node) {
        const char* key = node.has_attr("pads") ? "pads" : "paddings";
        POT_CHECK(node.has_attr(key), node.describe(), ": attribute 'pads' is missing");
        const std::vector<int64_t> pads = node.attr_ints(key);
        node.attributes.erase(key);
        set_input(node, 1, add_constant(node, "pads", ints_1d(pads)));
        if (node.has_attr("value")) {
            const float value = node.attr_float("value", 0.0f);
            node.attributes.erase("value");
            if (node.attr_string("mode", "constant") == "constant" && value != 0.0f)
                set_input(node, 2, add_constant(node, "value", Tensor::scalar(value)));
        }
    }

    // Upsample and Resize-10 scale with the output coordinate mapped back as x / scale and
    // nearest rounding down: Resize-11+ calls that "asymmetric" with nearest_mode "floor".
    static void set_legacy_resize_modes(Node& node) {
        node.attributes["coordinate_transformation_mode"] = std::string("asymmetric");
        const std::string mode = node.attr_string("mode", "nearest");
        if (mode == "nearest") node.attributes["nearest_mode"] = std::string("floor");
        else if (mode == "bilinear" || mode == "linear") node.attributes["mode"] = std::string("linear");
    }

    void upgrade_upsample(Node& node) {
        std::string scales;
        if (node.has_attr("scales")) {
            const auto values = node.attr_floats("scales");
            scales = add_constant(node, "scales",
                                  Tensor::from_vector<float>({static_cast<int64_t>(values.size())}, values));
            node.attributes.erase("scales");
        } else {
            POT_CHECK(node.inputs.size() >= 2 && !node.inputs[1].empty(), node.describe(),
                      ": needs scales");
            scales = node.inputs[1];
        }
        node.op_type = "Resize";
        node.inputs = {node.inputs[0], "", scales};
        set_legacy_resize_modes(node);
    }

    void upgrade_resize_10(Node& node) {
        POT_CHECK(node.inputs.size() == 2, node.describe(), ": Resize-10 needs inputs X and scales");
        node.inputs = {node.inputs[0], "", node.inputs[1]};
        set_legacy_resize_modes(node);
    }

    // Before opset 13 these ops flatten the input to 2-D at `axis` and normalize over everything
    // from `axis` on; from 13 on they normalize along `axis` only.
    std::vector<Node> upgrade_softmax(Node node) {
        int64_t axis = node.attr_int("axis", 1);
        const auto shape = shape_of(node.inputs.at(0));
        if (shape) {
            const auto rank = static_cast<int64_t>(shape->size());
            if (axis < 0) axis += rank;
            POT_CHECK(axis >= 0 && axis < rank, node.describe(), ": axis ", node.attr_int("axis", 1),
                      " is out of range for rank ", rank);
            bool trailing_ones = true;
            for (int64_t d = axis + 1; d < rank; ++d) trailing_ones = trailing_ones && (*shape)[static_cast<size_t>(d)] == 1;
            if (trailing_ones) {
                node.attributes["axis"] = axis;
                return {std::move(node)};
            }
        }
        POT_CHECK(axis >= 0, node.describe(), ": a negative axis needs a known input rank");
        // Not equivalent as is: spell out the old semantics with Flatten and Reshape.
        const std::string src = node.inputs[0], dst = node.outputs.at(0);
        Node shape_node{graph_.unique_name(node.name + "/shape"), "Shape", "", {src},
                        {graph_.unique_name(node.name + "/shape_out")}, {}};
        Node flatten{graph_.unique_name(node.name + "/flatten"), "Flatten", "", {src},
                     {graph_.unique_name(node.name + "/flat")}, {{"axis", axis}}};
        node.inputs = {flatten.outputs[0]};
        node.outputs = {graph_.unique_name(node.name + "/normalized")};
        node.attributes["axis"] = int64_t{1};
        Node reshape{graph_.unique_name(node.name + "/reshape"), "Reshape", "",
                     {node.outputs[0], shape_node.outputs[0]}, {dst}, {}};
        std::vector<Node> out;
        out.push_back(std::move(shape_node));
        out.push_back(std::move(flatten));
        out.push_back(std::move(node));
        out.push_back(std::move(reshape));
        return out;
    }

    /// Shape of `value`, looking through FakeQuantize nodes (which keep shapes) when the value
    /// itself has none recorded, as for the output of a FakeQuantize on a graph input.
    std::optional<Shape> shape_of(std::string value) const {
        for (size_t hops = 0; hops <= graph_.nodes.size(); ++hops) {
            if (auto shape = graph_.shape_of(value)) return shape;
            auto producer = graph_.producer(value);
            if (!producer || !is_fake_quantize(graph_.nodes[*producer])) return std::nullopt;
            value = graph_.nodes[*producer].inputs.at(0);
        }
        return std::nullopt;
    }

    Graph& graph_;
    int64_t from_, to_;
    std::set<std::string> taken_;
};
}  // namespace

void upgrade_opset(Graph& graph, int64_t target) {
    if (graph.opset >= target) return;
    OpsetUpgrader(graph, target).run();
}

}  // namespace pot::core::model_io
