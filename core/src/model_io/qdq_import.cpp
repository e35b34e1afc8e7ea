#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

#include "model_io_passes.hpp"
#include "pot/fake_quantize.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::core::model_io {

namespace {
/// Scale, zero point and axis of a QuantizeLinear or DequantizeLinear node with constant
/// parameters, and the code type.
struct LinearQuant {
    DType dtype = DType::U8;
    int64_t axis = -1;  ///< normalized channel axis; -1 per tensor
    std::vector<float> scale;
    std::vector<int32_t> zero_point;

    bool same_as(const LinearQuant& o) const {
        return dtype == o.dtype && axis == o.axis && scale == o.scale && zero_point == o.zero_point;
    }
};

bool is_onnx_op(const Node& node, const char* op) {
    return node.op_type == op && (node.domain.empty() || node.domain == "ai.onnx");
}

std::optional<int64_t> rank_of(const Graph& graph, const std::string& value) {
    auto shape = graph.shape_of(value);
    if (!shape) return std::nullopt;
    return static_cast<int64_t>(shape->size());
}

/// Parameters of `node` (QuantizeLinear or DequantizeLinear) or nullopt when they are not
/// constants of the expected types. `code_type` is the code type when the node does not give it
/// (DequantizeLinear without a zero point takes its input's type).
std::optional<LinearQuant> read_linear_quant(const Graph& graph, const Node& node,
                                             std::optional<DType> code_type,
                                             std::optional<int64_t> rank) {
    if (node.inputs.size() < 2 || !graph.is_constant(node.inputs[1])) return std::nullopt;
    const Tensor& scale = graph.constant(node.inputs[1]);
    if (scale.dtype() != DType::F32 || scale.numel() < 1 || scale.rank() > 1) return std::nullopt;
    LinearQuant q;
    q.scale = scale.to_floats();
    const bool has_zero = node.inputs.size() > 2 && !node.inputs[2].empty();
    if (has_zero) {
        if (!graph.is_constant(node.inputs[2])) return std::nullopt;
        const Tensor& zero = graph.constant(node.inputs[2]);
        if (zero.dtype() != DType::I8 && zero.dtype() != DType::U8) return std::nullopt;
        if (zero.numel() != scale.numel()) return std::nullopt;
        q.dtype = zero.dtype();
        for (int64_t v : zero.to_ints()) q.zero_point.push_back(static_cast<int32_t>(v));
    } else {
        q.dtype = code_type.value_or(DType::U8);
        q.zero_point.assign(q.scale.size(), 0);
    }
    if (code_type && *code_type != q.dtype) return std::nullopt;
    for (float s : q.scale)
        if (!(s > 0.0f) || !std::isfinite(s)) return std::nullopt;
    if (scale.rank() == 1 && scale.numel() > 1) {
        if (!rank) return std::nullopt;
        int64_t axis = node.attr_int("axis", 1);
        if (axis < 0) axis += *rank;
        if (axis < 0 || axis >= *rank) return std::nullopt;
        q.axis = axis;
    }
    return q;
}

QuantEncoding encoding_of(const LinearQuant& q, int32_t q_min, int32_t q_max) {
    QuantEncoding enc;
    enc.dtype = q.dtype;
    enc.axis = q.axis;
    enc.levels = q_max - q_min + 1;
    enc.scale = q.scale;
    enc.zero_point = q.zero_point;
    enc.q_min = q_min;
    enc.q_max = q_max;
    return enc;
}

int32_t type_min(DType t) { return t == DType::I8 ? -128 : 0; }
int32_t type_max(DType t) { return t == DType::I8 ? 127 : 255; }

/// Clip bounds as codes, when `clip` (per-tensor, constant bounds) narrows the code range of `q`
/// to whole codes; nullopt otherwise.
std::optional<std::pair<int32_t, int32_t>> clip_code_range(const Graph& graph, const Node& clip,
                                                           const LinearQuant& q) {
    if (q.scale.size() != 1 || clip.outputs.size() != 1) return std::nullopt;
    std::optional<float> lo, hi;
    const auto bound = [&](size_t index) -> std::optional<float> {
        if (clip.inputs.size() <= index || clip.inputs[index].empty()) return std::nullopt;
        if (!graph.is_constant(clip.inputs[index])) return std::nullopt;
        const Tensor& t = graph.constant(clip.inputs[index]);
        if (t.numel() != 1 || t.dtype() != DType::F32) return std::nullopt;
        return t.to_floats()[0];
    };
    if (clip.has_attr("min") || clip.has_attr("max")) {
        lo = clip.attr_float("min", -std::numeric_limits<float>::max());
        hi = clip.attr_float("max", std::numeric_limits<float>::max());
    } else {
        lo = bound(1);
        hi = bound(2);
    }
    if (!lo || !hi) return std::nullopt;
    const float s = q.scale[0];
    const float code_lo = *lo / s + static_cast<float>(q.zero_point[0]);
    const float code_hi = *hi / s + static_cast<float>(q.zero_point[0]);
    const auto whole = [](float v) { return std::fabs(v - std::nearbyint(v)) <= 1e-3f; };
    if (!std::isfinite(code_lo) || !std::isfinite(code_hi) || !whole(code_lo) || !whole(code_hi))
        return std::nullopt;
    // Bounds outside the code type are not a narrowing; checked as floats so the casts below stay
    // in range whatever the file says.
    const auto in_type = [&](float v) {
        return v >= static_cast<float>(type_min(q.dtype)) - 0.5f &&
               v <= static_cast<float>(type_max(q.dtype)) + 0.5f;
    };
    if (!in_type(code_lo) || !in_type(code_hi)) return std::nullopt;
    const auto c_lo = static_cast<int32_t>(std::nearbyint(code_lo));
    const auto c_hi = static_cast<int32_t>(std::nearbyint(code_hi));
    if (c_lo < type_min(q.dtype) || c_hi > type_max(q.dtype) || c_hi - c_lo < 1) return std::nullopt;
    return std::make_pair(c_lo, c_hi);
}

/// True when `q` has one scale per channel of `codes` along q.axis (one scale when per-tensor).
bool fits(const LinearQuant& q, const Tensor& codes) {
    if (q.axis < 0) return q.scale.size() == 1;
    return q.axis < codes.rank() && codes.dim(q.axis) == static_cast<int64_t>(q.scale.size());
}

Tensor dequantize(const Tensor& codes, const LinearQuant& q) {
    Tensor dst(DType::F32, codes.shape());
    const std::vector<int64_t> values = codes.to_ints();
    int64_t inner = 1, channels = 1;
    if (q.axis >= 0) {
        channels = codes.dim(q.axis);
        for (int64_t d = q.axis + 1; d < codes.rank(); ++d) inner *= codes.dim(d);
    }
    float* y = dst.data<float>();
    for (size_t i = 0; i < values.size(); ++i) {
        const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
        y[i] = static_cast<float>(values[i] - q.zero_point[c]) * q.scale[c];
    }
    return dst;
}

class QdqImporter {
public:
    QdqImporter(Graph& graph, const std::map<std::string, int64_t>& doc_levels)
        : graph_(graph), doc_levels_(doc_levels) {}

    void run() {
        for (size_t i = 0; i < graph_.nodes.size(); ++i)
            if (is_onnx_op(graph_.nodes[i], "DequantizeLinear")) import_dequantize(i);
        drop_orphans();
    }

private:
    void import_dequantize(size_t index) {
        const Node dq = graph_.nodes[index];
        if (dq.inputs.empty() || dq.outputs.size() != 1) return;
        const std::string& src = dq.inputs[0];
        if (auto producer = graph_.producer(src)) {
            if (is_onnx_op(graph_.nodes[*producer], "QuantizeLinear"))
                import_pair(index, *producer);
            return;
        }
        if (!graph_.is_constant(src)) return;
        const DType code_type = graph_.constant(src).dtype();
        if (code_type == DType::I32) fold_int32(index);
        else if (code_type == DType::I8 || code_type == DType::U8) import_weight(index);
    }

    void import_pair(size_t dq_index, size_t q_index) {
        const Node& dq = graph_.nodes[dq_index];
        const Node& q = graph_.nodes[q_index];
        if (q.inputs.empty() || q.outputs.size() != 1 || graph_.is_output(q.outputs[0])) return;
        std::string src = q.inputs[0];
        const auto rank = rank_of(graph_, src);
        auto q_params = read_linear_quant(graph_, q, std::nullopt, rank);
        if (!q_params) return;
        auto dq_params = read_linear_quant(graph_, dq, q_params->dtype, rank);
        if (!dq_params || !dq_params->same_as(*q_params)) return;
        int32_t q_min = type_min(q_params->dtype), q_max = type_max(q_params->dtype);
        // A Clip read only by the QuantizeLinear that narrows it to whole codes is how fewer
        // than 256 levels are written; it belongs to the FakeQuantize.
        if (auto clip_index = graph_.producer(src)) {
            const Node& clip = graph_.nodes[*clip_index];
            if (is_onnx_op(clip, "Clip") && graph_.consumers(src).size() == 1 && !graph_.is_output(src)) {
                if (auto codes = clip_code_range(graph_, clip, *q_params)) {
                    std::tie(q_min, q_max) = *codes;
                    removed_nodes_.insert(clip.name);
                    src = clip.inputs[0];
                }
            }
        }
        replace_with_fake_quantize(dq_index, src, encoding_of(*q_params, q_min, q_max),
                                   rank.value_or(0));
    }

    void import_weight(size_t dq_index) {
        const Node& dq = graph_.nodes[dq_index];
        const std::string codes_name = dq.inputs[0];
        const Tensor codes = graph_.constant(codes_name);
        auto params = read_linear_quant(graph_, dq, codes.dtype(), codes.rank());
        if (!params || !fits(*params, codes)) return;
        int32_t q_min = type_min(params->dtype), q_max = type_max(params->dtype);
        if (auto it = doc_levels_.find(dq.name); it != doc_levels_.end()) {
            const int32_t narrow_min = params->dtype == DType::I8 ? -static_cast<int32_t>(it->second / 2) : 0;
            const int32_t narrow_max = narrow_min + static_cast<int32_t>(it->second) - 1;
            const auto values = codes.to_ints();
            const bool inside = std::all_of(values.begin(), values.end(), [&](int64_t v) {
                return v >= narrow_min && v <= narrow_max;
            });
            if (inside) std::tie(q_min, q_max) = std::make_pair(narrow_min, narrow_max);
        }
        std::string weight = codes_name;
        if (graph_.consumers(codes_name).size() != 1 || graph_.is_output(codes_name))
            weight = graph_.unique_name(codes_name + "/dequantized");
        graph_.initializers[weight] = dequantize(codes, *params);
        replace_with_fake_quantize(dq_index, weight, encoding_of(*params, q_min, q_max),
                                   codes.rank());
    }

    void fold_int32(size_t dq_index) {
        const Node& dq = graph_.nodes[dq_index];
        if (graph_.is_output(dq.outputs[0])) return;
        const Tensor& codes = graph_.constant(dq.inputs[0]);
        auto params = read_linear_quant(graph_, dq, DType::I32, codes.rank());
        if (!params && dq.inputs.size() >= 2 && graph_.is_constant(dq.inputs[1])) {
            // int32 zero points are not read by read_linear_quant; ONNX requires them to be 0.
            Node no_zero = dq;
            no_zero.inputs.resize(2);
            params = read_linear_quant(graph_, no_zero, std::nullopt, codes.rank());
        }
        if (!params || !fits(*params, codes)) return;
        params->dtype = DType::I32;
        graph_.initializers[dq.outputs[0]] = dequantize(codes, *params);
        graph_.value_info.erase(dq.outputs[0]);
        removed_nodes_.insert(dq.name);
        touched_constants_.insert(dq.inputs.begin(), dq.inputs.end());
    }

    void replace_with_fake_quantize(size_t dq_index, const std::string& src,
                                    const QuantEncoding& encoding, int64_t rank) {
        Node& dq = graph_.nodes[dq_index];
        const FakeQuantizeParams params = fake_quantize_from_encoding(encoding);
        Shape bound_shape;
        if (params.per_channel()) {
            bound_shape.assign(static_cast<size_t>(rank), 1);
            bound_shape[static_cast<size_t>(params.axis)] = static_cast<int64_t>(params.channels());
        }
        touched_constants_.insert(dq.inputs.begin(), dq.inputs.end());
        Node fq;
        fq.name = dq.name;
        fq.op_type = kFakeQuantizeOp;
        fq.domain = kFakeQuantizeDomain;
        fq.attributes["levels"] = params.levels;
        fq.inputs.push_back(src);
        const std::vector<float>* bounds[] = {&params.input_low, &params.input_high,
                                              &params.output_low, &params.output_high};
        const char* suffixes[] = {"/input_low", "/input_high", "/output_low", "/output_high"};
        for (size_t i = 0; i < 4; ++i) {
            const std::string name = graph_.unique_name(fq.name + suffixes[i]);
            graph_.initializers[name] = Tensor::from_vector<float>(bound_shape, *bounds[i]);
            fq.inputs.push_back(name);
        }
        fq.outputs = dq.outputs;
        dq = std::move(fq);
    }

    // QuantizeLinear nodes whose every DequantizeLinear was imported, absorbed Clips, folded
    // DequantizeLinear nodes, and the constants only they read.
    void drop_orphans() {
        std::vector<Node> kept;
        std::set<std::string> live;
        for (auto it = graph_.nodes.rbegin(); it != graph_.nodes.rend(); ++it) {
            const Node& n = *it;
            bool drop = removed_nodes_.count(n.name) != 0;
            if (is_onnx_op(n, "QuantizeLinear") && n.outputs.size() == 1 &&
                !graph_.is_output(n.outputs[0]) && !live.count(n.outputs[0]))
                drop = true;
            if (drop) {
                touched_constants_.insert(n.inputs.begin(), n.inputs.end());
                for (const auto& out : n.outputs) graph_.value_info.erase(out);
                continue;
            }
            live.insert(n.inputs.begin(), n.inputs.end());
            kept.push_back(n);
        }
        std::reverse(kept.begin(), kept.end());
        graph_.nodes = std::move(kept);
        for (const auto& name : touched_constants_)
            if (!live.count(name) && !graph_.is_output(name)) graph_.initializers.erase(name);
    }

    Graph& graph_;
    const std::map<std::string, int64_t>& doc_levels_;
    std::set<std::string> removed_nodes_;
    std::set<std::string> touched_constants_;
};
}  // namespace

void import_qdq(Graph& graph, const std::map<std::string, int64_t>& doc_levels) {
    QdqImporter(graph, doc_levels).run();
}

}  // namespace pot::core::model_io
