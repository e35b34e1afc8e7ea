#include <algorithm>
#include <cmath>
#include <optional>

#include "model_io_passes.hpp"
#include "pot/fake_quantize.hpp"
#include "pot/fake_quantize_node.hpp"

namespace pot::core::model_io {

namespace {
constexpr int64_t kCodeTypeLevels = 256;

Tensor per_channel_or_scalar(const std::vector<float>& values) {
    if (values.size() == 1) return Tensor::scalar(values[0]);
    return Tensor::from_vector<float>({static_cast<int64_t>(values.size())}, values);
}

Tensor zero_points(const QuantEncoding& enc) {
    const Shape shape = enc.zero_point.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(enc.zero_point.size())};
    Tensor t(enc.dtype, shape);
    for (size_t i = 0; i < enc.zero_point.size(); ++i) {
        if (enc.dtype == DType::I8) t.data<int8_t>()[i] = static_cast<int8_t>(enc.zero_point[i]);
        else t.data<uint8_t>()[i] = static_cast<uint8_t>(enc.zero_point[i]);
    }
    return t;
}

/// Codes of `weight` under `enc`, limited to the encoding's own code range (which may be
/// narrower than the type's, e.g. [-127, 127]) so the stored codes are what FakeQuantize yields.
Tensor quantize_weight(const Tensor& weight, const QuantEncoding& enc) {
    Tensor codes = quantize_tensor(weight, enc);
    for (int64_t i = 0; i < codes.numel(); ++i) {
        if (enc.dtype == DType::I8) {
            auto& c = codes.data<int8_t>()[i];
            c = static_cast<int8_t>(std::clamp<int32_t>(c, enc.q_min, enc.q_max));
        } else {
            auto& c = codes.data<uint8_t>()[i];
            c = static_cast<uint8_t>(std::clamp<int32_t>(c, enc.q_min, enc.q_max));
        }
    }
    return codes;
}

class QdqExporter {
public:
    explicit QdqExporter(Graph& graph) : graph_(graph), names_(graph) {}

    std::map<std::string, int64_t> run() {
        std::vector<Node> lowered;
        lowered.reserve(graph_.nodes.size());
        for (const Node& node : graph_.nodes) {
            if (!is_fake_quantize(node)) {
                lowered.push_back(node);
                continue;
            }
            std::vector<Node> qdq;
            try {
                qdq = lower(node);
            } catch (const Error& e) {
                POT_THROW(Runtime, node.describe(), ": no QuantizeLinear/DequantizeLinear form: ", e.what());
            }
            for (auto& n : qdq) lowered.push_back(std::move(n));
        }
        graph_.nodes = std::move(lowered);
        graph_.remove_unused_constants();
        return doc_levels_;
    }

private:
    std::vector<Node> lower(const Node& fq) {
        POT_CHECK(fq.outputs.size() == 1, "FakeQuantize needs one output");
        const FakeQuantizeParams params = read_fake_quantize(graph_, fq);
        if (graph_.is_constant(fq.inputs[0])) return {lower_weight(fq, params)};
        return lower_activation(fq, params);
    }

    Node dequantize_node(const Node& fq, const std::string& codes, const std::string& scale,
                         const std::string& zero, const QuantEncoding& enc) {
        Node dq;
        dq.name = fq.name;
        dq.op_type = "DequantizeLinear";
        dq.inputs = {codes, scale, zero};
        dq.outputs = fq.outputs;
        if (enc.scale.size() > 1) dq.attributes["axis"] = enc.axis;
        return dq;
    }

    std::pair<std::string, std::string> add_scale_and_zero(const Node& fq, const QuantEncoding& enc) {
        for (float s : enc.scale)
            POT_CHECK_KIND(Input, std::isfinite(s) && s > 0.0f, "the range of '", fq.inputs[0],
                           "' gives the quantization scale ", s,
                           ", which is not a finite positive number; the values there exceed what "
                           "float arithmetic can quantize (check the model's weights and inputs)");
        const std::string scale = names_.unique_name(fq.name + "/scale");
        graph_.initializers[scale] = per_channel_or_scalar(enc.scale);
        const std::string zero = names_.unique_name(fq.name + "/zero_point");
        graph_.initializers[zero] = zero_points(enc);
        return {scale, zero};
    }

    Node lower_weight(const Node& fq, const FakeQuantizeParams& params) {
        const std::string& src = fq.inputs[0];
        const Tensor& weight = graph_.constant(src);
        POT_CHECK(weight.dtype() == DType::F32, "weight '", src, "' is ", dtype_name(weight.dtype()),
                  ", expected f32");
        const QuantEncoding enc = encoding_from_fake_quantize(params, DType::I8);
        Tensor codes = quantize_weight(weight, enc);
        // The float weight is replaced in place when nothing else reads it, so the file keeps
        // the weight's name and holds no float copy.
        std::string codes_name = src;
        if (graph_.consumers(src).size() != 1 || graph_.is_output(src))
            codes_name = names_.unique_name(src + "/quantized");
        graph_.initializers[codes_name] = std::move(codes);
        const auto [scale, zero] = add_scale_and_zero(fq, enc);
        if (enc.levels != kCodeTypeLevels) doc_levels_[fq.name] = enc.levels;
        return dequantize_node(fq, codes_name, scale, zero, enc);
    }

    std::vector<Node> lower_activation(const Node& fq, const FakeQuantizeParams& params) {
        const QuantEncoding enc = encoding_from_fake_quantize(params, DType::U8);
        std::vector<Node> out;
        std::string src = fq.inputs[0];
        if (enc.levels != kCodeTypeLevels) {
            // QuantizeLinear saturates to the type's range only; fewer levels need a Clip first.
            POT_CHECK(enc.scale.size() == 1, "a per-channel FakeQuantize on an activation needs ",
                      kCodeTypeLevels, " levels, has ", enc.levels);
            const float s = enc.scale[0];
            const auto zp = static_cast<float>(enc.zero_point[0]);
            Node clip;
            clip.name = names_.unique_name(fq.name + "/clip");
            clip.op_type = "Clip";
            const std::string lo = names_.unique_name(clip.name + "/min");
            graph_.initializers[lo] = Tensor::scalar((static_cast<float>(enc.q_min) - zp) * s);
            const std::string hi = names_.unique_name(clip.name + "/max");
            graph_.initializers[hi] = Tensor::scalar((static_cast<float>(enc.q_max) - zp) * s);
            clip.inputs = {src, lo, hi};
            src = names_.unique_name(clip.name + "/out");
            clip.outputs = {src};
            out.push_back(std::move(clip));
        }
        const auto [scale, zero] = add_scale_and_zero(fq, enc);
        Node q;
        q.name = names_.unique_name(fq.name + "/quantize");
        q.op_type = "QuantizeLinear";
        q.inputs = {src, scale, zero};
        q.outputs = {names_.unique_name(fq.name + "/quantized")};
        if (enc.scale.size() > 1) q.attributes["axis"] = enc.axis;
        Node dq = dequantize_node(fq, q.outputs[0], scale, zero, enc);
        out.push_back(std::move(q));
        out.push_back(std::move(dq));
        return out;
    }

    Graph& graph_;
    NameAllocator names_;
    std::map<std::string, int64_t> doc_levels_;
};

/// Scale of DequantizeLinear `value` (its producer), or nullopt when `value` is not such an output
/// with a constant f32 scale.
std::optional<std::vector<float>> dequantize_scale(const Graph& graph, const std::string& value) {
    auto producer = graph.producer(value);
    if (!producer) return std::nullopt;
    const Node& dq = graph.nodes[*producer];
    if (dq.op_type != "DequantizeLinear" || dq.inputs.size() < 2 || !graph.is_constant(dq.inputs[1]))
        return std::nullopt;
    const Tensor& scale = graph.constant(dq.inputs[1]);
    if (scale.dtype() != DType::F32) return std::nullopt;
    return scale.to_floats();
}

/// ONNX Runtime fuses Conv/Gemm into integer kernels only when every input, the bias included,
/// comes from a DequantizeLinear; the bias is stored as int32 codes with scale
/// input_scale * weight_scale[c] and zero point 0, as its quantization tools do.
void quantize_biases(Graph& graph) {
    // Nodes are inserted in place so consumers() sees every earlier change.
    NameAllocator names(graph);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const Node& node = graph.nodes[i];
        if ((node.op_type != "Conv" && node.op_type != "Gemm") || node.inputs.size() < 3 ||
            node.inputs[2].empty() || !graph.is_constant(node.inputs[2]))
            continue;
        const auto input_scale = dequantize_scale(graph, node.inputs[0]);
        const auto weight_scale = dequantize_scale(graph, node.inputs[1]);
        const std::string bias = node.inputs[2];
        const Tensor& values = graph.constant(bias);
        const auto channels = static_cast<size_t>(values.numel());
        if (!input_scale || !weight_scale || input_scale->size() != 1 || values.dtype() != DType::F32 ||
            values.rank() != 1 || (weight_scale->size() != 1 && weight_scale->size() != channels))
            continue;
        std::vector<float> scale(weight_scale->size());
        for (size_t c = 0; c < scale.size(); ++c) scale[c] = (*input_scale)[0] * (*weight_scale)[c];
        const auto floats = values.to_floats();
        std::vector<int32_t> codes(channels);
        bool fits = true;
        for (size_t c = 0; c < channels && fits; ++c) {
            const float s = scale[scale.size() == 1 ? 0 : c];
            const double q = std::nearbyint(static_cast<double>(floats[c]) / s);
            fits = std::isfinite(s) && s > 0.0f && std::isfinite(q) && std::fabs(q) <= 2147483647.0;
            if (fits) codes[c] = static_cast<int32_t>(q);
        }
        if (!fits) continue;
        const std::string codes_name = names.unique_name(bias + "/quantized");
        graph.initializers[codes_name] = Tensor::from_vector<int32_t>({static_cast<int64_t>(channels)}, codes);
        const std::string scale_name = names.unique_name(bias + "/scale");
        graph.initializers[scale_name] = per_channel_or_scalar(scale);
        // The DequantizeLinear writes a value under the bias's own name when nothing else reads
        // the float bias, so import folds it back to the same constant.
        const bool shared = graph.consumers(bias).size() != 1 || graph.is_output(bias);
        const std::string dst = shared ? names.unique_name(bias + "/dequantized") : bias;
        if (!shared) graph.initializers.erase(bias);
        Node dq;
        dq.name = names.unique_name(bias + "/dequantize");
        dq.op_type = "DequantizeLinear";
        dq.inputs = {codes_name, scale_name};
        dq.outputs = {dst};
        if (scale.size() > 1) dq.attributes["axis"] = int64_t{0};
        graph.nodes[i].inputs[2] = dst;
        graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i), std::move(dq));
        ++i;
    }
}
}  // namespace

std::map<std::string, int64_t> export_qdq(Graph& graph) {
    auto doc_levels = QdqExporter(graph).run();
    quantize_biases(graph);
    return doc_levels;
}

}  // namespace pot::core::model_io
