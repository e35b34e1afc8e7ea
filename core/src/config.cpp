#include "pot/core/config.hpp"

#include "pot/engine.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"
#include "pot/params.hpp"

#include <algorithm>
#include <cmath>

namespace pot::core {

namespace {

// Configs are a few KiB; anything this large is the wrong file.
constexpr uint64_t kMaxConfigBytes = 16 << 20;

// Leaves room for "_fp32.onnx" within the usual 255-byte limit of a file name.
constexpr size_t kMaxModelNameBytes = 200;

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
    const std::filesystem::path path(p);
    return path.is_absolute() ? path : (base / path).lexically_normal();
}

std::pair<int, int> read_size(const Params& p, const std::string& key) {
    const auto& j = p.json().at(key);
    // Bounded here, before OpenCV allocates an image of this size for every sample.
    auto side = [&](const nlohmann::json& v) {
        POT_CHECK_KIND(Config,
                       v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= kMaxImageSide,
                       p.path(), "/", key, ": expected a side of 1 to ", kMaxImageSide,
                       " pixels or [height, width], got ", j.dump());
        return static_cast<int>(v.get<int64_t>());
    };
    p.accept(key);
    std::pair<int, int> size;
    if (j.is_array()) {
        POT_CHECK_KIND(Config, j.size() == 2, p.path(), "/", key, ": expected [height, width], got ",
                       j.dump());
        size = {side(j[0]), side(j[1])};
    } else {
        size = {side(j), side(j)};
    }
    POT_CHECK_KIND(Config, int64_t{size.first} * size.second <= kMaxImagePixels, p.path(), "/", key,
                   ": ", size.first, "x", size.second, " is more than the ", kMaxImagePixels,
                   " pixels an image may have");
    return size;
}

// Preprocessing constants beyond these turn pixels into infinities or denormals.
constexpr double kMaxPreprocessingMagnitude = 1e6;
constexpr double kMinScaleMagnitude = 1e-6;

/// A number or a list of numbers, each of magnitude at most kMaxPreprocessingMagnitude and, when
/// `min_magnitude` > 0, at least that.
std::vector<float> read_floats(const Params& p, const std::string& key, double min_magnitude = 0.0) {
    if (!p.has(key)) {
        p.accept(key);
        return {};
    }
    const auto& j = p.json().at(key);
    p.accept(key);
    POT_CHECK_KIND(Config, j.is_number() || (j.is_array() && !j.empty()), p.path(), "/", key,
                   ": expected a number or a list of numbers, got ", j.dump());
    std::vector<float> out;
    for (const auto& v : j.is_array() ? j : nlohmann::json::array({j})) {
        POT_CHECK_KIND(Config, v.is_number(), p.path(), "/", key, ": expected numbers, got ", j.dump());
        const double magnitude = std::fabs(v.get<double>());
        POT_CHECK_KIND(Config, magnitude <= kMaxPreprocessingMagnitude && magnitude >= min_magnitude,
                       p.path(), "/", key, ": ", v.dump(), " is out of range; expected magnitudes ",
                       min_magnitude > 0 ? str_cat("from ", min_magnitude, " ") : std::string(), "up to ",
                       kMaxPreprocessingMagnitude);
        out.push_back(static_cast<float>(v.get<double>()));
    }
    return out;
}

Preprocessing read_preprocessing(const Params& p) {
    Preprocessing pre;
    if (p.has("resize")) pre.resize = read_size(p, "resize");
    if (p.has("crop")) pre.crop = read_size(p, "crop");
    pre.layout = p.get_enum<std::string>("layout", "NCHW", {{"NCHW", "NCHW"}, {"NHWC", "NHWC"}});
    pre.color = p.get_enum<std::string>("color", "", {{"RGB", "RGB"}, {"BGR", "BGR"}, {"GRAY", "GRAY"}});
    pre.mean = read_floats(p, "mean");
    pre.scale = read_floats(p, "scale", kMinScaleMagnitude);
    p.reject_unknown();
    return pre;
}

std::string params_text(const Params& parent, const std::string& key) {
    if (!parent.has(key)) {
        parent.accept(key);
        return "{}";
    }
    const auto& j = parent.json().at(key);
    parent.accept(key);
    POT_CHECK_KIND(Config, j.is_object(), parent.path(), "/", key, ": expected an object, got ",
                   j.dump());
    return j.dump();
}

// The optimizer section. Its params hold POT's keys for the tuning run, which core reads, and
// the optimizer plugin's own keys, which are passed on to it (and checked by it).
OptimizerConfig parse_optimizer(const Params& optimizer) {
    OptimizerConfig opt;
    opt.name = optimizer.get_string("name", "");
    POT_CHECK_KIND(Config, !opt.name.empty(), "/optimizer/name: required");
    nlohmann::json plugin_params = nlohmann::json::parse(params_text(optimizer, "params"));
    const Params params(plugin_params, "/optimizer/params");
    TuningSettings& t = opt.tuning;

    const auto number = [&](const char* key, double fallback, double low, double high, const char* range) {
        const double v = params.get_double(key, fallback);
        POT_CHECK_KIND(Config, std::isfinite(v) && v >= low && v <= high, "/optimizer/params/", key, ": expected ",
                       range, ", got ", v);
        return v;
    };
    // POT's spelling in params, or this tool's earlier one beside them; not both.
    const auto count = [&](const std::string& key, const std::string& legacy, int64_t fallback, int64_t low,
                           int64_t high) {
        const bool in_params = params.has(key), beside = optimizer.has(legacy);
        POT_CHECK_KIND(Config, !(in_params && beside), "/optimizer: ", key, " is given twice (/optimizer/params/",
                       key, " and /optimizer/", legacy, "); give it once, in params");
        const Params& from = in_params ? params : optimizer;
        const std::string& name = in_params ? key : legacy;
        const int64_t v = from.get_int(name, fallback);
        POT_CHECK_KIND(Config, v >= low && v <= high, from.path(), "/", name, ": expected ", low, " to ", high,
                       ", got ", v);
        return v;
    };
    t.max_trials = count("max_trials", "trials", t.max_trials, 1, 10000);
    t.eval_subset_size = static_cast<size_t>(count("eval_subset_size", "eval_subset_size", 0, 0, int64_t{1} << 40));
    t.max_minutes = number("max_minutes", 0.0, 0.0, 1e7, "minutes >= 0 (0: no limit)");
    t.load_method = params.get_enum<TrialsLoadMethod>("trials_load_method", TrialsLoadMethod::ColdStart,
                                                      {{"cold_start", TrialsLoadMethod::ColdStart},
                                                       {"warm_start", TrialsLoadMethod::WarmStart},
                                                       {"fine_tune", TrialsLoadMethod::FineTune},
                                                       {"eval", TrialsLoadMethod::Eval}});
    t.targets.accuracy_loss = number("accuracy_loss", t.targets.accuracy_loss, 0.0, 100.0, "a percentage in [0, 100]");
    t.targets.latency_reduce = number("latency_reduce", t.targets.latency_reduce, 1e-3, 1e6, "a speed-up > 0");
    t.targets.accuracy_weight = number("accuracy_weight", t.targets.accuracy_weight, 0.0, 1e6, ">= 0");
    t.targets.latency_weight = number("latency_weight", t.targets.latency_weight, 0.0, 1e6, ">= 0");
    t.targets.expected_quantization_ratio =
        number("expected_quantization_ratio", t.targets.expected_quantization_ratio, 1e-3, 1 - 1e-3, "in (0, 1)");
    t.targets.quantization_ratio_weight =
        number("quantization_ratio_weight", t.targets.quantization_ratio_weight, 0.0, 1e6, ">= 0");
    t.stop_on_target = params.get_bool("stop_on_target", false);
    params.get_bool("debug", false);  // POT's extra dumps; the trial log holds everything already
    POT_CHECK_KIND(Config, !params.has("multinode"), "/optimizer/params/multinode: tuning on several machines is "
                   "not supported; run one tuning per machine with its own trial log");
    POT_CHECK_KIND(Config, !params.has("anneal"), "/optimizer/params/anneal: not supported; use name "
                   "\"RandomSearch\" or \"TPE\"");
    if (params.has("metrics")) {
        const auto& metrics = params.json().at("metrics");
        POT_CHECK_KIND(Config, metrics.is_array(), "/optimizer/params/metrics: expected a list, got ", metrics.dump());
        for (size_t i = 0; i < metrics.size(); ++i) {
            const Params m(metrics[i], str_cat("/optimizer/params/metrics/", i));
            m.get_string("name", "");
            if (m.has("baseline_value") && !t.baseline_value)
                t.baseline_value = m.get_double("baseline_value", 0.0);
            m.reject_unknown();
        }
    }
    const bool latency_matters = t.targets.latency_weight > 0 || t.targets.latency_reduce > 1.0;
    const Params bench = params.child("benchmark");
    BenchmarkOptions b;
    b.seconds = 1.0;
    const int64_t batch = bench.get_int("batch_size", 1);
    POT_CHECK_KIND(Config, batch >= 0 && batch <= 4096, "/optimizer/params/benchmark/batch_size: expected 0 to 4096, got ", batch);
    b.batch = std::max<int64_t>(batch, 1);
    const int64_t niter = bench.get_int("niter", 0);
    POT_CHECK_KIND(Config, niter >= 0 && niter <= 1000000, "/optimizer/params/benchmark/niter: expected 0 to 1000000, got ", niter);
    // Fewer timed runs than this make speed-ups noise on a shared machine.
    constexpr int64_t kMinIterations = 20;
    if (niter > 0) b.iterations = std::max(niter, kMinIterations);
    b.seconds = bench.get_double("duration_seconds", b.seconds);
    POT_CHECK_KIND(Config, std::isfinite(b.seconds) && b.seconds > 0 && b.seconds <= 3600,
                   "/optimizer/params/benchmark/duration_seconds: expected (0, 3600], got ", b.seconds);
    // benchmark_app's settings without a meaning for an engine inside this process: threads are
    // the engine's own setting (/engine/params/threads).
    for (const char* key : {"performance_count", "nthreads", "nstreams", "nireq", "api_type", "benchmark_app_dir"})
        bench.accept(key);
    bench.reject_unknown();
    if (latency_matters) t.benchmark = b;

    // What is left belongs to the optimizer plugin.
    for (const char* key : {"max_trials", "eval_subset_size", "max_minutes", "trials_load_method", "accuracy_loss",
                            "latency_reduce", "accuracy_weight", "latency_weight", "expected_quantization_ratio",
                            "quantization_ratio_weight", "stop_on_target", "debug", "metrics", "benchmark"})
        plugin_params.erase(key);
    opt.params_json = plugin_params.dump();
    optimizer.reject_unknown();
    return opt;
}

// The name becomes a file and folder name inside --output-dir: it must not lead elsewhere.
void check_model_name(const std::string& name) {
    const bool control = std::any_of(name.begin(), name.end(),
                                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    POT_CHECK_KIND(Config,
                   name.size() <= kMaxModelNameBytes && !control && name.front() != '.' &&
                       name.find_first_of("/\\") == std::string::npos,
                   "/model/model_name: '", control ? std::string("(control characters)") : name,
                   "' must be a plain file name: at most ", kMaxModelNameBytes, " bytes, no '/' or "
                   "'\\', no control characters, not starting with '.'");
}

}  // namespace

Config parse_config(const std::string& text, const std::filesystem::path& base_dir,
                    const std::string& origin) {
    Config config;
    config.json = parse_json(text, origin, ErrorKind::Config);
    try {
        const Params root(config.json, "");
        POT_CHECK_KIND(Config, root.has("model"), origin, ": missing section /model");
        POT_CHECK_KIND(Config, root.has("engine"), origin, ": missing section /engine");
        POT_CHECK_KIND(Config, root.has("compression"), origin, ": missing section /compression");

        const Params model = root.child("model");
        config.model.name = model.get_string("model_name", "");
        POT_CHECK_KIND(Config, !config.model.name.empty(), "/model/model_name: required");
        check_model_name(config.model.name);
        const auto model_path = model.get_string("model", "");
        POT_CHECK_KIND(Config, !model_path.empty(), "/model/model: required (path to the ONNX file)");
        config.model.model = resolve(base_dir, model_path);
        model.get_string("weights", "");  // POT's OpenVINO IR weights; unused for ONNX
        model.reject_unknown();

        const Params engine = root.child("engine");
        config.engine.type = engine.get_enum<std::string>(
            "type", "simplified", {{"simplified", "simplified"}, {"accuracy_checker", "accuracy_checker"}});
        POT_CHECK_KIND(Config, config.engine.type == "simplified",
                       "/engine/type: 'accuracy_checker' is not supported; use 'simplified' with "
                       "data_source and annotation");
        config.engine.backend = engine.get_string("backend", "");
        const auto data = engine.get_string("data_source", "");
        POT_CHECK_KIND(Config, !data.empty(), "/engine/data_source: required (folder of images, "
                                              ".npy tensors, or MNIST idx files)");
        config.engine.data_source = resolve(base_dir, data);
        if (engine.has("annotation"))
            config.engine.annotation = resolve(base_dir, engine.get_string("annotation", ""));
        config.engine.preprocessing = read_preprocessing(engine.child("preprocessing"));
        if (engine.has("evaluation")) {
            const Params eval = engine.child("evaluation");
            const auto source = eval.get_string("data_source", "");
            POT_CHECK_KIND(Config, !source.empty(), "/engine/evaluation/data_source: required");
            config.engine.evaluation_data_source = resolve(base_dir, source);
            if (eval.has("annotation"))
                config.engine.evaluation_annotation = resolve(base_dir, eval.get_string("annotation", ""));
            eval.reject_unknown();
        }
        if (engine.has("metrics")) {
            const auto& metrics = engine.json().at("metrics");
            engine.accept("metrics");
            POT_CHECK_KIND(Config, metrics.is_array() && !metrics.empty(),
                           "/engine/metrics: expected a non-empty list, got ", metrics.dump());
            for (size_t i = 0; i < metrics.size(); ++i) {
                const std::string path = str_cat("/engine/metrics/", i);
                POT_CHECK_KIND(Config, metrics[i].is_object(), path, ": expected an object, got ", metrics[i].dump());
                const Params entry(metrics[i], path);
                MetricConfig metric;
                metric.path = path;
                metric.type = entry.get_string("type", "");
                POT_CHECK_KIND(Config, !metric.type.empty(), path, "/type: required (the metric, e.g. \"accuracy\")");
                metric.name = entry.get_string("name", "");
                if (entry.has("baseline_value")) metric.baseline_value = entry.get_double("baseline_value", 0);
                // Accuracy Checker puts a metric's parameters beside type and name (top_k: 5).
                nlohmann::json params = metrics[i];
                for (const char* key : {"type", "name", "baseline_value"}) params.erase(key);
                metric.params_json = params.dump();
                config.engine.metrics.push_back(std::move(metric));
            }
        }
        config.engine.threads = checked_thread_count(engine.get_int("threads", 0), "/engine/threads");
        config.engine.params_json = params_text(engine, "params");
        engine.reject_unknown();

        const Params compression = root.child("compression");
        config.compression.target_device = compression.get_enum<std::string>(
            "target_device", "ANY", {{"ANY", "ANY"}, {"CPU", "CPU"}});
        compression.get_string("model_type", "");
        compression.get_bool("inplace_statistics", true);
        if (compression.has("statistics_cache"))
            config.compression.statistics_cache = resolve(base_dir, compression.get_string("statistics_cache", ""));
        POT_CHECK_KIND(Config, compression.has("algorithms"), "/compression/algorithms: required");
        const auto& algorithms = compression.json().at("algorithms");
        compression.accept("algorithms");
        POT_CHECK_KIND(Config, algorithms.is_array() && !algorithms.empty(),
                       "/compression/algorithms: expected a non-empty list, got ", algorithms.dump());
        for (size_t i = 0; i < algorithms.size(); ++i) {
            const std::string path = str_cat("/compression/algorithms/", i);
            const Params entry(algorithms[i], path);
            AlgorithmConfig algo;
            algo.path = path;
            algo.name = entry.get_string("name", "");
            POT_CHECK_KIND(Config, !algo.name.empty(), path, "/name: required");
            algo.params_json = params_text(entry, "params");
            entry.reject_unknown();
            config.compression.algorithms.push_back(std::move(algo));
        }
        compression.reject_unknown();

        if (root.has("optimizer")) config.optimizer = parse_optimizer(root.child("optimizer"));
        root.reject_unknown();
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Config) throw;
        throw Error(ErrorKind::Config, str_cat(origin, ": ", e.what()));
    }
    return config;
}

Config load_config(const std::filesystem::path& file) {
    const std::string text = read_file_bounded(file, kMaxConfigBytes, "config file", ErrorKind::Config);
    const auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    Config config = parse_config(text, base, file.string());
    config.file = file;
    return config;
}

}  // namespace pot::core
