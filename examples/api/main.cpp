// pot-api-example: quantizes a Fashion-MNIST classifier with a pipeline assembled in C++ against
// the installed pot_core library, instead of a pot-host config file.
//
//   pot-api-example <plugin dir> <model.onnx> <out.onnx> [<data dir>]
//
// <data dir> holds the Fashion-MNIST idx files images-idx3-ubyte and labels-idx1-ubyte (default:
// data/evaluation beside the model, as in examples/fmnist). The program brings its own data loader
// and metric; the algorithms and the engine are the plugins found in <plugin dir>.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "pot/core/evaluator.hpp"
#include "pot/core/failure_context.hpp"
#include "pot/core/graph_transforms.hpp"
#include "pot/core/log.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/pipeline.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/registry.hpp"
#include "pot/core/session.hpp"
#include "pot/data.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace fs = std::filesystem;

namespace {

constexpr size_t kImageSide = 28;
constexpr uint64_t kMaxIdxBytes = uint64_t{64} << 20;
// The bundled set has 2000 images: the first 1500 score the models, the last 500 calibrate them,
// so the quantization never sees an image it is evaluated on.
constexpr size_t kEvaluationImages = 1500;
constexpr size_t kCalibrationImages = 500;

// The items of an idx file (big-endian header: magic, item count, then the other dimensions),
// checked to be as many items of `item_bytes` bytes as the header says.
std::string read_idx(const fs::path& file, uint32_t magic, size_t header_bytes, size_t item_bytes) {
    std::string bytes = pot::read_file_bounded(file, kMaxIdxBytes, "idx file");
    auto be32 = [&](size_t at) {
        uint32_t v = 0;
        for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(bytes.at(at + i));
        return v;
    };
    POT_CHECK_KIND(Input, bytes.size() >= header_bytes && be32(0) == magic, file.string(),
                   ": not an idx file with magic ", magic);
    POT_CHECK_KIND(Input, bytes.size() == header_bytes + be32(4) * item_bytes, file.string(),
                   ": expected ", be32(4), " items of ", item_bytes, " bytes after the header");
    return bytes.substr(header_bytes);
}

// A DataLoader is all the pipeline and the evaluator need to see of the data: a sample count and
// one sample at a time, each a tensor per model input (batch 1) plus, optionally, an annotation.
// This one serves images [first, first + count) of Fashion-MNIST idx files, preprocessed as the
// bundled models expect (pixel / 255, NCHW), each annotated with its class index.
class FashionMnistLoader final : public pot::DataLoader {
public:
    FashionMnistLoader(const fs::path& dir, size_t first, size_t count)
        : dir_(dir),
          pixels_(read_idx(dir / "images-idx3-ubyte", 2051, 16, kImageSide * kImageSide)),
          labels_(read_idx(dir / "labels-idx1-ubyte", 2049, 8, 1)),
          first_(first),
          count_(count) {
        POT_CHECK_KIND(Input, pixels_.size() == labels_.size() * kImageSide * kImageSide &&
                                  first + count <= labels_.size(),
                       dir.string(), ": expected at least ", first + count, " labelled images");
    }

    size_t size() const override { return count_; }

    // Called from several engine threads at once: it only reads members.
    pot::Sample get(size_t index) const override {
        constexpr auto side = static_cast<int64_t>(kImageSide);
        pot::Tensor image(pot::DType::F32, {1, 1, side, side});
        const char* src = pixels_.data() + (first_ + index) * kImageSide * kImageSide;
        float* dst = image.data<float>();
        for (size_t i = 0; i < kImageSide * kImageSide; ++i)
            dst[i] = static_cast<float>(static_cast<uint8_t>(src[i])) / 255.0f;
        const auto label = static_cast<uint8_t>(labels_[first_ + index]);
        return {index, {std::move(image)}, pot::Annotation::of_class(label)};
    }

    std::string describe() const override {
        return pot::str_cat("Fashion-MNIST images ", first_, "..", first_ + count_ - 1, " of ",
                            dir_.string());
    }

private:
    fs::path dir_;
    std::string pixels_, labels_;
    size_t first_, count_;
};

// A Metric folds in the model's outputs one sample at a time. The evaluator asks for a score per
// sample too, which is how it counts the samples quantization fixed and broke.
class Top1Accuracy final : public pot::Metric {
public:
    std::string name() const override { return "top-1 accuracy"; }
    void reset() override { scores_.clear(); }
    void update(const std::vector<pot::Tensor>& outputs, const std::vector<pot::Tensor>&,
                const pot::Sample& sample) override {
        POT_CHECK(sample.class_index().has_value(), "sample ", sample.index, " has no class index");
        const auto logits = outputs.at(0).to_floats();
        const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
        scores_.push_back(best == *sample.class_index() ? 100.0 : 0.0);
    }
    double value() const override {
        if (scores_.empty()) return 0.0;
        const double sum = std::accumulate(scores_.begin(), scores_.end(), 0.0);
        return sum / static_cast<double>(scores_.size());
    }
    std::vector<double> per_sample() const override { return scores_; }

private:
    std::vector<double> scores_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr, "usage: %s <plugin dir> <model.onnx> <out.onnx> [<data dir>]\n",
                     argv[0]);
        return 2;
    }
    const fs::path plugin_dir = argv[1], model_file = argv[2], out_file = argv[3];
    const fs::path data_dir =
        argc == 5 ? fs::path(argv[4]) : model_file.parent_path() / "data" / "evaluation";
    try {
        pot::core::Logger logger(pot::LogLevel::Info);

        // Plugins: algorithms, engines and metrics are all looked up by name in a Registry.
        pot::core::Registry registry;
        for (const auto& skipped : registry.load_directory(plugin_dir))
            logger.log(pot::LogLevel::Warning, "skipped plugin " + skipped.reason);

        // The model, loaded into the IR and cleaned up (BatchNorm folded into the Conv before it).
        pot::Graph model = pot::core::load_onnx(model_file);
        pot::core::optimize_graph(model);
        const pot::Graph fp32 = model;

        // The reference engine runs the exact FakeQuantize simulation of the INT8 model.
        auto engine = pot::core::create_engine(registry, "reference", "{}", 0, "the engine");

        FashionMnistLoader calibration(data_dir, kEvaluationImages, kCalibrationImages);
        FashionMnistLoader evaluation(data_dir, 0, kEvaluationImages);
        Top1Accuracy metric;

        // MinMax inserts the quantizers; FastBiasCorrection then restores each layer's mean
        // output. Parameters are the JSON a pot-host config gives the algorithm; the label
        // ("min-max") names the step in error messages where a config would give a JSON path.
        std::vector<std::pair<std::string, pot::core::PluginPtr<pot::Algorithm>>> algorithms;
        const char* min_max_params = R"({"preset": "performance", "stat_subset_size": 100})";
        const char* bias_params = R"({"stat_subset_size": 100})";
        algorithms.emplace_back(
            "min-max", registry.create_algorithm("MinMaxQuantization", min_max_params, "min-max"));
        algorithms.emplace_back(
            "bias", registry.create_algorithm("FastBiasCorrection", bias_params, "bias"));
        pot::core::Pipeline pipeline(registry, std::move(algorithms));

        // The evaluator scores models on the evaluation data with our metric; the session is what
        // algorithms see of the host: engine, calibration data, logging and the evaluator.
        pot::core::ConsoleProgress progress;
        pot::core::Evaluator evaluator(*engine, evaluation, fp32, metric, &progress);
        pot::core::Session session(*engine, calibration, evaluator, "CPU", logger, &progress);
        pipeline.run(model, session);

        const pot::core::Comparison result = evaluator.compare(model);
        std::printf("FP32 %s: %.2f\n", metric.name().c_str(), result.fp32.value);
        std::printf("INT8 %s: %.2f\n", metric.name().c_str(), result.int8.value);
        if (result.changes)
            std::printf("samples fixed: %lld, broken: %lld of %lld\n",
                        static_cast<long long>(result.changes->fixed),
                        static_cast<long long>(result.changes->broken),
                        static_cast<long long>(result.changes->samples));

        // QDQ ONNX: weights stored as int8, activations as QuantizeLinear -> DequantizeLinear.
        pot::core::save_onnx(model, out_file);
        std::printf("wrote %s\n", out_file.string().c_str());
        return 0;
    } catch (...) {
        const auto failure = pot::core::describe_current_exception();
        std::fprintf(stderr, "error: %s\n", failure.message.c_str());
        const auto kind = failure.kind;
        return kind == pot::ErrorKind::Usage || kind == pot::ErrorKind::Config ? 2 : 1;
    }
}
