#include "layerwise_tuning.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <optional>
#include <random>

#include "biased_op.hpp"  // plugins/common/bias
#include "layer_fit.hpp"
#include "pot/sample_reader.hpp"
#include "source_rows.hpp"
#include "tuning_layout.hpp"

namespace pot::weight_sparsity {

namespace {

using bias_correction::BiasedOp;
using Clock = std::chrono::steady_clock;

// Most bytes of Gram matrices gathered in one pass over the samples (ResNet-50's take about half).
constexpr uint64_t kMaxGramBytesPerPass = uint64_t{1} << 30;
// Rows sampled per layer: twice its columns, within these bounds. A Gram update costs
// rows * columns^2, so the upper bound keeps a 3x3 convolution over 512 channels at a few seconds;
// with the ridge, a few thousand rows pin down a fit of that many columns.
constexpr int64_t kRowsPerColumn = 2;
constexpr int64_t kMinRowsPerLayer = 1024;
constexpr int64_t kMaxRowsPerLayer = 4096;
// Every fifth sample is held out: its rows only check the fit (a channel whose error grows on them
// keeps its weights), so the report shows errors on data the fit did not see.
constexpr size_t kCheckEvery = 5;

RowUse row_use(size_t sample) { return sample % kCheckEvery == kCheckEvery - 1 ? RowUse::Check : RowUse::Fit; }

struct Layer {
    std::string node;
    size_t index = 0;  ///< of the node in the graph
    TuningLayout layout;
    std::optional<BiasedOp> bias;
    int64_t rows_per_sample = 0;
    std::mt19937_64 rng;
    std::unique_ptr<GramAccumulator> gram;  ///< during the layer's pass only
};

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Folds the observed data inputs of the layers of one pass into their Gram matrices: a few
// positions of each sample, drawn at random without repetition.
class RowCollector final : public ValueObserver {
public:
    RowCollector(const Graph& graph, const std::vector<Layer*>& layers) : graph_(graph) {
        for (Layer* layer : layers) readers_[graph.nodes[layer->index].inputs[0]].push_back(layer);
    }

    std::vector<std::string> values() const {
        std::vector<std::string> names;
        for (const auto& entry : readers_) names.push_back(entry.first);
        return names;
    }

    /// Rows seen from now on belong to calibration sample `sample`.
    void start_sample(size_t sample) { use_ = row_use(sample); }

    void on_value(const std::string& value, const Tensor& tensor) override {
        const auto it = readers_.find(value);
        if (it == readers_.end()) return;
        for (Layer* layer : it->second) add(*layer, tensor);
    }

private:
    void add(Layer& layer, const Tensor& src) {
        const Node& node = graph_.nodes[layer.index];
        POT_CHECK(src.dtype() == DType::F32, node.describe(), ": layer fit expects an f32 data input, got ",
                  dtype_name(src.dtype()));
        const SourceRows rows(node, layer.layout, src.shape());
        const int64_t count = rows.positions();
        const int64_t take = std::min(count, layer.rows_per_sample);
        picks_.resize(static_cast<size_t>(count));
        std::iota(picks_.begin(), picks_.end(), int64_t{0});
        for (int64_t i = 0; i < take; ++i) {
            std::uniform_int_distribution<int64_t> pick(i, count - 1);
            std::swap(picks_[static_cast<size_t>(i)], picks_[static_cast<size_t>(pick(layer.rng))]);
        }
        const float* data = src.data<float>();
        for (int64_t i = 0; i < take; ++i)
            for (int64_t g = 0; g < layer.layout.groups; ++g)
                rows.read(data, picks_[static_cast<size_t>(i)], g, layer.gram->next_row(g, use_));
    }

    const Graph& graph_;
    std::map<std::string, std::vector<Layer*>> readers_;
    std::vector<int64_t> picks_;
    RowUse use_ = RowUse::Fit;
};

// Fits every group of `layer` from its Gram matrices and writes the weights and bias back.
nlohmann::json fit_layer(Graph& graph, Layer& layer, const Tensor& dense, const TuningSettings& settings) {
    const auto start = Clock::now();
    const TuningLayout& layout = layer.layout;
    POT_CHECK(layer.gram->rows(RowUse::Fit) > 0, "WeightSparsity: layer-wise tuning observed no rows of the data input of '",
              layer.node, "'");
    Tensor& w = graph.constant(graph.nodes[layer.index].inputs[1]);
    std::vector<float> bias = layer.bias ? bias_correction::read_bias(graph, *layer.bias)
                                         : std::vector<float>(static_cast<size_t>(layout.channels), 0.0f);
    FitOptions options;
    options.fit_bias = layer.bias.has_value();
    options.max_iterations = settings.iterations;
    FitStats total;
    for (int64_t g = 0; g < layout.groups; ++g) {
        const cv::Mat target = group_weights(dense, layout, g, bias);
        cv::Mat weights = group_weights(w, layout, g, bias);
        const FitStats stats =
            fit_masked_columns(layer.gram->gram(g), layer.gram->check_rows(g), target, weights, options);
        store_group_weights(weights, layout, g, w, bias);
        total.held_out = stats.held_out;
        total.dense_energy += stats.dense_energy;
        total.error_before += stats.error_before;
        total.error_after += stats.error_after;
        total.unchanged_channels += stats.unchanged_channels;
        total.iterative = total.iterative || stats.iterative;
        total.iterations = std::max(total.iterations, stats.iterations);
    }
    if (layer.bias) bias_correction::write_bias(graph, *layer.bias, bias);
    const double energy = total.dense_energy > 0.0 ? total.dense_energy : 1.0;
    return {{"node", layer.node},
            {"groups", layout.groups},
            {"columns", layout.columns},
            {"rows", layer.gram->rows(RowUse::Fit)},
            {"check_rows", layer.gram->rows(RowUse::Check)},
            {"method", total.iterative ? "conjugate_gradient" : "cholesky"},
            {"iterations", total.iterations},
            {"error_before", total.error_before / energy},
            {"error_after", total.error_after / energy},
            {"error_on", total.held_out ? "check_rows" : "fit_rows"},
            {"unchanged_channels", total.unchanged_channels},
            {"seconds", seconds_since(start)}};
}

// The layout of a layer the fit supports whose Gram matrices stay within kMaxGramBytesPerLayer.
std::optional<TuningLayout> tunable_layout(const Graph& graph, const SparsityTarget& target) {
    auto layout = tuning_layout(graph, target);
    if (layout && layout->gram_bytes() <= kMaxGramBytesPerLayer) return layout;
    return std::nullopt;
}

}  // namespace

bool is_tunable(const Graph& graph, const SparsityTarget& target) { return tunable_layout(graph, target).has_value(); }

nlohmann::json tune_layers(Graph& graph, const std::vector<SparsityTarget>& targets,
                           const std::map<std::string, Tensor>& dense,
                           const TuningSettings& settings, HostServices& host,
                           std::set<std::string>& tuned) {
    const auto start = Clock::now();
    const DataLoader& data = host.data();
    const size_t samples = std::min(settings.samples, data.size());
    POT_CHECK_KIND(Input, samples > 0, "WeightSparsity: layer-wise tuning has no calibration samples (",
                   data.describe(), ")");
    std::map<std::string, BiasedOp> biases;
    for (auto& op : bias_correction::find_biased_ops(graph)) biases.emplace(op.node, std::move(op));

    auto fit_samples = static_cast<int64_t>(samples);
    for (size_t s = 0; s < samples; ++s) fit_samples -= row_use(s) == RowUse::Check ? 1 : 0;
    std::vector<Layer> layers;
    for (const auto& target : targets) {
        auto layout = tunable_layout(graph, target);
        if (!layout) {
            host.log(LogLevel::Info, str_cat("WeightSparsity: '", target.node,
                                             "' is not fitted layer-wise (unsupported op form or over ",
                                             kMaxGramBytesPerLayer >> 20, " MiB of Gram matrices)"));
            continue;
        }
        Layer layer;
        layer.node = target.node;
        layer.index = node_index(graph, target.node);
        layer.layout = std::move(*layout);
        if (const auto it = biases.find(target.node); it != biases.end()) layer.bias = it->second;
        const int64_t wanted =
            std::clamp(kRowsPerColumn * (layer.layout.columns + 1), kMinRowsPerLayer, kMaxRowsPerLayer);
        layer.rows_per_sample = (wanted + fit_samples - 1) / fit_samples;
        layer.rng.seed(settings.seed + layers.size());
        layers.push_back(std::move(layer));
    }
    nlohmann::json report = nlohmann::json::array();
    if (layers.empty()) return report;

    // Compiled before any layer changes, so every pass sees the model as sparsified.
    const auto model = host.engine().compile(graph);
    std::vector<size_t> order(samples);
    std::iota(order.begin(), order.end(), size_t{0});
    size_t passes = 0;
    double sampling_seconds = 0.0;
    for (size_t first = 0; first < layers.size(); ++passes) {
        size_t last = first;
        uint64_t bytes = 0;
        while (last < layers.size() &&
               (last == first || bytes + layers[last].layout.gram_bytes() <= kMaxGramBytesPerPass))
            bytes += layers[last++].layout.gram_bytes();
        std::vector<Layer*> pass;
        for (size_t i = first; i < last; ++i) {
            layers[i].gram = std::make_unique<GramAccumulator>(layers[i].layout);
            pass.push_back(&layers[i]);
        }
        RowCollector collector(graph, pass);
        const auto observed = collector.values();
        const auto sampling = Clock::now();
        SampleReader reader(data, order);
        for (size_t s = 0; s < samples; ++s) {
            collector.start_sample(s);
            model->infer(reader.next().inputs, observed, &collector);
        }
        sampling_seconds += seconds_since(sampling);
        for (Layer* layer : pass) {
            report.push_back(fit_layer(graph, *layer, dense.at(layer->node), settings));
            tuned.insert(layer->node);
            layer->gram.reset();
        }
        first = last;
    }

    double before = 0.0, after = 0.0;
    for (const auto& entry : report) {
        before += entry.at("error_before").get<double>();
        after += entry.at("error_after").get<double>();
    }
    const auto count = static_cast<double>(report.size());
    host.log(LogLevel::Info,
             str_cat("WeightSparsity: layer-wise tuning fitted ", report.size(), " layers on ", samples,
                     " samples in ", passes, " pass(es), ", seconds_since(start), " s (", sampling_seconds,
                     " s running the model and gathering rows); relative output error, mean over layers: ",
                     before / count, " -> ", after / count));
    return report;
}

}  // namespace pot::weight_sparsity
