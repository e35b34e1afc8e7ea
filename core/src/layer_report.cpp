#include "pot/core/layer_report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <unordered_map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pot/error.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/similarity.hpp"

namespace pot::core {

namespace {

// Recorded FP32 values of one chunk of samples stay below this.
constexpr size_t kChunkBytes = size_t{256} << 20;

struct Accumulator {
    double cosine_sum = 0;
    Similarity total;  // over all samples, for SQNR
    size_t samples = 0;
    double input_energy = 0;  // FP32, of the first quantized activation input
    size_t input_count = 0, output_count = 0;
};

/// Index of the node producing each value: Graph::producer() scans, and the report asks for
/// every value of the model.
using ProducerIndex = std::unordered_map<std::string, size_t>;

ProducerIndex producer_index(const Graph& graph) {
    ProducerIndex index;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        for (const auto& out : graph.nodes[i].outputs) index.emplace(out, i);
    return index;
}

nlohmann::json quantizer_params(const Graph& graph, const ProducerIndex& producers, const Node& node) {
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < node.inputs.size(); ++i) {
        const auto p = producers.find(node.inputs[i]);
        if (p == producers.end() || !is_fake_quantize(graph.nodes[p->second])) continue;
        const auto fq = read_fake_quantize(graph, graph.nodes[p->second]);
        nlohmann::json q = {{"input", i}, {"levels", fq.levels}, {"channels", fq.channels()}};
        if (!fq.per_channel()) {
            q["range"] = {fq.input_low[0], fq.input_high[0]};
            q["scale"] = fake_quantize_scale(fq.input_low[0], fq.input_high[0], fq.levels);
        }
        list.push_back(q);
    }
    return list;
}

void accumulate(const std::vector<LayerError>& layers, const std::vector<std::string>& values,
                const std::vector<std::string>& inputs, const ValueRecorder& reference, const ValueRecorder& quantized,
                std::vector<Accumulator>& acc) {
    for (size_t i = 0; i < layers.size(); ++i) {
        const auto a = reference.values.at(values[i]).to_floats();
        const auto b = quantized.values.at(values[i]).to_floats();
        POT_CHECK(a.size() == b.size(), "value '", values[i], "' differs in size between the models");
        const Similarity s = Similarity::of(b, a);
        acc[i].cosine_sum += s.cosine();
        acc[i].total += s;
        acc[i].output_count += a.size();
        ++acc[i].samples;
        if (inputs[i].empty()) continue;
        const Tensor& x = reference.values.at(inputs[i]);
        for (const float v : x.to_floats()) acc[i].input_energy += static_cast<double>(v) * v;
        acc[i].input_count += static_cast<size_t>(x.numel());
    }
}

bool is_graph_input(const Graph& graph, const std::string& value) {
    return std::any_of(graph.inputs.begin(), graph.inputs.end(), [&](const auto& in) { return in.name == value; });
}

// Ops that cancel their input go last; otherwise lowest SQNR first.
std::vector<LayerError> worst_first(std::vector<LayerError> errors) {
    std::stable_sort(errors.begin(), errors.end(), [](const LayerError& a, const LayerError& b) {
        if (a.cancels_input != b.cancels_input) return b.cancels_input;
        return a.sqnr_db < b.sqnr_db;
    });
    return errors;
}

}  // namespace

std::vector<LayerError> measure_layer_errors(Engine& engine, const Graph& fp32, const Graph& int8,
                                             const DataLoader& data, size_t samples) {
    std::vector<LayerError> layers;
    std::vector<std::string> values, inputs;  // per layer: its output, its first quantized input
    const ProducerIndex int8_producers = producer_index(int8);
    const ProducerIndex fp32_producers = producer_index(fp32);
    for (const Node& node : int8.nodes) {
        if (is_fake_quantize(node) || node.outputs.empty()) continue;
        const auto q = quantizer_params(int8, int8_producers, node);
        if (q.empty()) continue;
        // The op's output under the same name in both graphs (quantizers that took over a name
        // sit after the op, so its own output keeps the FP32 name unless it is renamed).
        std::string value = node.outputs[0];
        if (!fp32_producers.count(value) && !fp32.is_output(value)) {
            if (auto fq = fake_quantize_after(int8, value)) value = int8.nodes[*fq].outputs[0];
            if (!fp32_producers.count(value)) continue;
        }
        LayerError e;
        e.node = node.name;
        e.op_type = node.op_type;
        e.value = value;
        e.quantizers = q;
        // The first quantized activation input: its quantizer took over the value's name, so the
        // FP32 model has it too (a weight's quantizer output does not exist there).
        std::string input;
        for (const auto& in : node.inputs) {
            const auto p = int8_producers.find(in);
            if (p != int8_producers.end() && is_fake_quantize(int8.nodes[p->second]) &&
                (fp32_producers.count(in) || is_graph_input(fp32, in))) {
                input = in;
                break;
            }
        }
        layers.push_back(std::move(e));
        values.push_back(value);
        inputs.push_back(input);
    }
    if (layers.empty()) return layers;
    std::vector<Accumulator> acc(layers.size());
    samples = std::min(samples, data.size());
    // Both models are compiled once; a chunk of samples is decoded once and its FP32 values
    // (at most kChunkBytes) are kept until the INT8 model has run on it.
    const auto fp32_model = engine.compile(fp32);
    const auto int8_model = engine.compile(int8);
    std::vector<std::string> fp32_observed = values;
    for (const auto& in : inputs)
        if (!in.empty()) fp32_observed.push_back(in);
    size_t chunk = 1;
    for (size_t first = 0; first < samples; first += chunk) {
        const size_t last = std::min(samples, first + chunk);
        std::vector<Sample> chunk_samples;
        for (size_t s = first; s < last; ++s) chunk_samples.push_back(data.get(s));
        std::vector<ValueRecorder> reference(last - first);
        for (size_t s = first; s < last; ++s)
            fp32_model->infer(chunk_samples[s - first].inputs, fp32_observed, &reference[s - first]);
        for (size_t s = first; s < last; ++s) {
            ValueRecorder quantized;
            int8_model->infer(chunk_samples[s - first].inputs, values, &quantized);
            accumulate(layers, values, inputs, reference[s - first], quantized, acc);
        }
        if (first == 0) chunk = std::max<size_t>(1, kChunkBytes / std::max<size_t>(1, reference[0].bytes()));
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        layers[i].cosine = acc[i].samples ? acc[i].cosine_sum / static_cast<double>(acc[i].samples) : 1.0;
        layers[i].sqnr_db = acc[i].total.sqnr_db();
        if (acc[i].input_count == 0 || acc[i].output_count == 0) continue;
        const double in = acc[i].input_energy / static_cast<double>(acc[i].input_count);
        const double out = acc[i].total.reference_energy / static_cast<double>(acc[i].output_count);
        if (in <= 0) continue;
        layers[i].output_to_input_db = out > 0 ? 10.0 * std::log10(out / in) : -kExactSqnrDb;
        layers[i].cancels_input = *layers[i].output_to_input_db < kCancellingOpDb;
    }
    return layers;
}

nlohmann::json layer_errors_json(std::vector<LayerError> errors) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : worst_first(std::move(errors))) {
        rows.push_back({{"node", e.node}, {"op_type", e.op_type}, {"value", e.value}, {"cosine", e.cosine},
                        {"sqnr_db", e.sqnr_db}, {"quantizers", e.quantizers}, {"cancels_input", e.cancels_input}});
        rows.back()["output_to_input_db"] =
            e.output_to_input_db ? nlohmann::json(*e.output_to_input_db) : nlohmann::json(nullptr);
    }
    return rows;
}

std::string layer_errors_table(const std::vector<LayerError>& errors, size_t rows) {
    const std::vector<LayerError> sorted = worst_first(errors);
    std::ostringstream out;
    out << "  Per-layer error, worst first (FP32 vs INT8 output):\n"
        << "  " << std::left << std::setw(32) << "node" << std::setw(10) << "op" << std::right << std::setw(10)
        << "SQNR dB" << std::setw(10) << "cosine" << "\n";
    for (size_t i = 0; i < std::min(rows, sorted.size()); ++i) {
        const auto& e = sorted[i];
        out << "  " << std::left << std::setw(32) << e.node.substr(0, 31) << std::setw(10) << e.op_type
            << std::right << std::fixed << std::setprecision(2) << std::setw(10) << e.sqnr_db
            << std::setprecision(5) << std::setw(10) << e.cosine << (e.cancels_input ? "  *" : "") << "\n";
    }
    const auto shown = sorted.begin() + static_cast<std::ptrdiff_t>(std::min(rows, sorted.size()));
    if (std::any_of(sorted.begin(), shown, [](const LayerError& e) { return e.cancels_input; }))
        out << "  * the op's FP32 output is over 60 dB below its input (it cancels it, like the mean of a\n"
            << "    normalized tensor): its SQNR compares the input's rounding noise with almost nothing\n";
    return out.str();
}

void plot_layer_errors(const std::vector<LayerError>& errors, const std::filesystem::path& file) {
    constexpr int kBar = 24, kGap = 8, kLeft = 60, kTop = 40, kHeight = 300, kBottom = 160;
    const int width = kLeft + static_cast<int>(errors.size()) * (kBar + kGap) + 40;
    cv::Mat img(kTop + kHeight + kBottom, std::max(width, 400), CV_8UC3, cv::Scalar(255, 255, 255));
    double top = 10;
    for (const auto& e : errors) top = std::max(top, std::min(e.sqnr_db, 80.0));
    top = std::ceil(top / 10) * 10;
    const auto y_of = [&](double db) {
        return kTop + kHeight - static_cast<int>(std::clamp(db, 0.0, top) / top * kHeight);
    };
    for (int db = 0; db <= static_cast<int>(top); db += 10) {
        cv::line(img, {kLeft, y_of(db)}, {img.cols - 20, y_of(db)}, cv::Scalar(220, 220, 220), 1);
        cv::putText(img, std::to_string(db), {8, y_of(db) + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 0), 1);
    }
    cv::putText(img, "SQNR (dB) of each quantized layer, FP32 vs INT8", {kLeft, 24}, cv::FONT_HERSHEY_SIMPLEX, 0.6,
                cv::Scalar(0, 0, 0), 1);
    for (size_t i = 0; i < errors.size(); ++i) {
        const int x = kLeft + static_cast<int>(i) * (kBar + kGap);
        // Red below 20 dB, orange below 30 dB, green otherwise.
        const double db = errors[i].sqnr_db;
        const cv::Scalar color = db < 20 ? cv::Scalar(60, 60, 220) : db < 30 ? cv::Scalar(40, 160, 240) : cv::Scalar(80, 170, 60);
        cv::rectangle(img, {x, y_of(db)}, {x + kBar, y_of(0)}, color, cv::FILLED);
        cv::Mat label(kBar, kBottom - 10, CV_8UC3, cv::Scalar(255, 255, 255));
        cv::putText(label, errors[i].node.substr(0, 22), {2, kBar - 8}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
                    cv::Scalar(0, 0, 0), 1);
        cv::Mat rotated;
        cv::rotate(label, rotated, cv::ROTATE_90_CLOCKWISE);
        rotated.copyTo(img(cv::Rect(x, kTop + kHeight + 5, rotated.cols, rotated.rows)));
    }
    POT_CHECK(cv::imwrite(file.string(), img), "cannot write plot '", file.string(), "'");
}

}  // namespace pot::core
