#include "pot/core/config.hpp"

#include "accuracy_checker.hpp"
#include "config_problems.hpp"
#include "pot/core/dataset.hpp"

#include "pot/engine.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"
#include "pot/params.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <type_traits>

namespace pot::core {

namespace {

// Configs are a few KiB; anything this large is the wrong file.
constexpr uint64_t kMaxConfigBytes = 16 << 20;

// Leaves room for "_fp32.onnx" within the usual 255-byte limit of a file name.
constexpr size_t kMaxModelNameBytes = 200;

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

// Accuracy Checker puts a metric's parameters beside type and name (top_k: 5).
MetricConfig read_metric(const nlohmann::json& json, const std::string& path) {
    POT_CHECK_KIND(Config, json.is_object(), path, ": expected an object, got ", json.dump());
    const Params entry(json, path);
    MetricConfig metric;
    metric.path = path;
    metric.type = entry.get_string("type", "");
    POT_CHECK_KIND(Config, !metric.type.empty(), path, "/type: required (the metric, e.g. \"accuracy\")");
    metric.name = entry.get_string("name", "");
    if (entry.has("baseline_value")) metric.baseline_value = entry.get_double("baseline_value", 0);
    nlohmann::json params = json;
    for (const char* key : {"type", "name", "baseline_value"}) params.erase(key);
    metric.params_json = params.dump();
    return metric;
}

// POT reads its configs leniently: a comma before a closing bracket or brace is allowed there,
// and its own files have some. Removes those commas, leaving strings and comments as they are.
std::string without_trailing_commas(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    size_t pending_comma = std::string::npos;  // index in `out` of a comma not yet followed by a value
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            const size_t start = i++;
            while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
            out.append(text, start, std::min(i, text.size() - 1) - start + 1);
            pending_comma = std::string::npos;
            continue;
        }
        if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')) {
            const bool line = text[i + 1] == '/';
            const size_t close = line ? text.find('\n', i) : text.find("*/", i + 2);
            const size_t stop = close == std::string::npos ? text.size() : close + (line ? 0 : 2);
            out.append(text, i, stop - i);
            i = stop - 1;
            continue;
        }
        if ((c == '}' || c == ']') && pending_comma != std::string::npos) out[pending_comma] = ' ';
        if (c == ',') pending_comma = out.size();
        else if (!std::isspace(static_cast<unsigned char>(c))) pending_comma = std::string::npos;
        out += c;
    }
    return out;
}

// The optimizer section. Its params hold POT's keys for the tuning run, which core reads, and
// the optimizer plugin's own keys, which are passed on to it (and checked by it).
OptimizerConfig parse_optimizer(const Params& optimizer, ConfigProblems& problems) {
    OptimizerConfig opt;
    problems.check([&] {
        opt.name = optimizer.get_string("name", "");
        POT_CHECK_KIND(Config, !opt.name.empty(), "/optimizer/name: required");
    });
    nlohmann::json plugin_params = nlohmann::json::object();
    problems.check([&] { plugin_params = nlohmann::json::parse(params_text(optimizer, "params")); });
    const Params params(plugin_params, "/optimizer/params");
    TuningSettings& t = opt.tuning;

    const auto number = [&](const char* key, double& into, double low, double high, const char* range) {
        problems.check([&] {
            const double v = params.get_double(key, into);
            POT_CHECK_KIND(Config, std::isfinite(v) && v >= low && v <= high, "/optimizer/params/", key,
                           ": expected ", range, ", got ", v);
            into = v;
        });
    };
    // POT's spelling in params, or this tool's earlier one beside them; not both.
    const auto count = [&](const std::string& key, const std::string& legacy, auto& into, int64_t low,
                           int64_t high) {
        problems.check([&] {
            const bool in_params = params.has(key), beside = optimizer.has(legacy);
            POT_CHECK_KIND(Config, !(in_params && beside), "/optimizer: ", key, " is given twice (/optimizer/params/",
                           key, " and /optimizer/", legacy, "); give it once, in params");
            const Params& from = in_params ? params : optimizer;
            const std::string& name = in_params ? key : legacy;
            const int64_t v = from.get_int(name, static_cast<int64_t>(into));
            POT_CHECK_KIND(Config, v >= low && v <= high, from.path(), "/", name, ": expected ", low, " to ",
                           high, ", got ", v);
            into = static_cast<std::remove_reference_t<decltype(into)>>(v);
        });
    };
    count("max_trials", "trials", t.max_trials, 1, 10000);
    count("eval_subset_size", "eval_subset_size", t.eval_subset_size, 0, int64_t{1} << 40);
    number("max_minutes", t.max_minutes, 0.0, 1e7, "minutes >= 0 (0: no limit)");
    problems.check([&] {
        t.load_method = params.get_enum<TrialsLoadMethod>("trials_load_method", TrialsLoadMethod::ColdStart,
                                                          {{"cold_start", TrialsLoadMethod::ColdStart},
                                                           {"warm_start", TrialsLoadMethod::WarmStart},
                                                           {"fine_tune", TrialsLoadMethod::FineTune},
                                                           {"eval", TrialsLoadMethod::Eval}});
    });
    number("accuracy_loss", t.targets.accuracy_loss, 0.0, 100.0, "a percentage in [0, 100]");
    number("latency_reduce", t.targets.latency_reduce, 1e-3, 1e6, "a speed-up > 0");
    number("accuracy_weight", t.targets.accuracy_weight, 0.0, 1e6, ">= 0");
    number("latency_weight", t.targets.latency_weight, 0.0, 1e6, ">= 0");
    number("expected_quantization_ratio", t.targets.expected_quantization_ratio, 1e-3, 1 - 1e-3, "in (0, 1)");
    number("quantization_ratio_weight", t.targets.quantization_ratio_weight, 0.0, 1e6, ">= 0");
    problems.check([&] { t.stop_on_target = params.get_bool("stop_on_target", false); });
    // POT's extra dumps; the trial log holds everything already.
    problems.check([&] { params.get_bool("debug", false); });
    if (params.has("multinode"))
        problems.add("/optimizer/params/multinode: tuning on several machines is not supported; run one "
                     "tuning per machine with its own trial log");
    if (params.has("anneal"))
        problems.add("/optimizer/params/anneal: not supported; use name \"RandomSearch\" or \"TPE\"");
    problems.check([&] {
        if (!params.has("metrics")) return;
        const auto& metrics = params.json().at("metrics");
        POT_CHECK_KIND(Config, metrics.is_array(), "/optimizer/params/metrics: expected a list, got ", metrics.dump());
        for (size_t i = 0; i < metrics.size(); ++i) {
            problems.check([&] {
                const Params m(metrics[i], str_cat("/optimizer/params/metrics/", i));
                m.get_string("name", "");
                if (m.has("baseline_value") && !t.baseline_value)
                    t.baseline_value = m.get_double("baseline_value", 0.0);
                m.reject_unknown();
            });
        }
    });
    const bool latency_matters = t.targets.latency_weight > 0 || t.targets.latency_reduce > 1.0;
    const Params bench = params.child("benchmark");
    BenchmarkOptions b;
    b.seconds = 1.0;
    problems.check([&] {
        const int64_t batch = bench.get_int("batch_size", 1);
        POT_CHECK_KIND(Config, batch >= 0 && batch <= 4096,
                       "/optimizer/params/benchmark/batch_size: expected 0 to 4096, got ", batch);
        b.batch = std::max<int64_t>(batch, 1);
    });
    problems.check([&] {
        const int64_t niter = bench.get_int("niter", 0);
        POT_CHECK_KIND(Config, niter >= 0 && niter <= 1000000,
                       "/optimizer/params/benchmark/niter: expected 0 to 1000000, got ", niter);
        // Fewer timed runs than this make speed-ups noise on a shared machine.
        constexpr int64_t kMinIterations = 20;
        if (niter > 0) b.iterations = std::max(niter, kMinIterations);
    });
    problems.check([&] {
        b.seconds = bench.get_double("duration_seconds", b.seconds);
        POT_CHECK_KIND(Config, std::isfinite(b.seconds) && b.seconds > 0 && b.seconds <= 3600,
                       "/optimizer/params/benchmark/duration_seconds: expected (0, 3600], got ", b.seconds);
    });
    // benchmark_app's settings without a meaning for an engine inside this process: threads are
    // the engine's own setting (/engine/params/threads).
    for (const char* key : {"performance_count", "nthreads", "nstreams", "nireq", "api_type", "benchmark_app_dir"})
        bench.accept(key);
    problems.check([&] { bench.reject_unknown(); });
    if (latency_matters) t.benchmark = b;

    // What is left belongs to the optimizer plugin.
    for (const char* key : {"max_trials", "eval_subset_size", "max_minutes", "trials_load_method", "accuracy_loss",
                            "latency_reduce", "accuracy_weight", "latency_weight", "expected_quantization_ratio",
                            "quantization_ratio_weight", "stop_on_target", "debug", "metrics", "benchmark"})
        plugin_params.erase(key);
    opt.params_json = plugin_params.dump();
    problems.check([&] { optimizer.reject_unknown(); });
    return opt;
}

// The name becomes a file and folder name inside --output-dir: it must not lead elsewhere.
void check_model_name(const std::string& name, const std::string& where) {
    const bool control = std::any_of(name.begin(), name.end(),
                                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    POT_CHECK_KIND(Config,
                   name.size() <= kMaxModelNameBytes && !control && name.front() != '.' &&
                       name.find_first_of("/\\") == std::string::npos,
                   where, ": '", control ? std::string("(control characters)") : name,
                   "' must be a plain file name: at most ", kMaxModelNameBytes, " bytes, no '/' or "
                   "'\\', no control characters, not starting with '.'");
}

// A cascade's models must not exceed this: POT's are two to four (MTCNN: three).
constexpr size_t kMaxCascadeModels = 16;

void parse_cascade(const Params& model, const std::filesystem::path& base_dir, ModelConfig& out,
                   ConfigProblems& problems) {
    const auto& list = model.json().at("cascade");
    if (!list.is_array() || list.empty() || list.size() > kMaxCascadeModels) {
        problems.add(str_cat("/model/cascade: expected a list of 1 to ", kMaxCascadeModels,
                             " models ({\"name\": ..., \"model\": ...}), got ",
                             list.is_array() ? str_cat(list.size(), " entries") : list.dump()));
        return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
        problems.check([&] {
            const Params entry(list[i], str_cat("/model/cascade/", i));
            POT_CHECK_KIND(Config, list[i].is_object(), entry.path(), ": expected an object with name and model");
            CascadeMember m;
            m.name = entry.get_string("name", "");
            POT_CHECK_KIND(Config, !m.name.empty(), entry.path(), "/name: required (the model's name in the cascade)");
            check_model_name(m.name, entry.path() + "/name");
            for (const auto& other : out.cascade)
                POT_CHECK_KIND(Config, other.name != m.name, entry.path(), "/name: '", m.name,
                               "' names two models of the cascade");
            const auto file = entry.get_string("model", "");
            POT_CHECK_KIND(Config, !file.empty(), entry.path(), "/model: required (path to the ONNX file)");
            m.model = resolve(base_dir, file);
            entry.get_string("weights", "");  // POT's OpenVINO IR weights; unused for ONNX
            entry.reject_unknown();
            out.cascade.push_back(std::move(m));
        });
    }
}

void parse_model(const Params& model, const std::filesystem::path& base_dir, ModelConfig& out,
                 ConfigProblems& problems) {
    const bool cascade = model.has("cascade");
    if (cascade) {
        parse_cascade(model, base_dir, out, problems);
        if (model.has("model"))
            problems.add("/model/model: a cascade names its models in /model/cascade; give one or the other");
    } else {
        problems.check([&] {
            const auto model_path = model.get_string("model", "");
            POT_CHECK_KIND(Config, !model_path.empty(), "/model/model: required (path to the ONNX file)");
            out.model = resolve(base_dir, model_path);
        });
    }
    problems.check([&] {
        out.name = model.get_string("model_name", "");
        // POT names the model after its file when model_name is absent.
        if (out.name.empty() && !out.model.empty()) out.name = out.model.stem().string();
        POT_CHECK_KIND(Config, !out.name.empty(), "/model/model_name: required",
                       cascade ? " (the cascade's name, which its output files begin with)" : "");
        check_model_name(out.name, "/model/model_name");
    });
    problems.check([&] { model.get_string("weights", ""); });  // POT's OpenVINO IR weights; unused for ONNX
    // POT reads `name` only on the models of a cascade; here (its BERT examples give one) it has
    // no effect, and the model is named by model_name or its file.
    if (model.has("name")) {
        problems.check([&] { model.get_string("name", ""); });
        problems.warn(str_cat("/model/name: ignored, as POT ignores it outside a cascade: the model is named '",
                              out.name, "' (/model/model_name, or the model file's name when that is absent)"));
    }
    problems.check([&] { model.reject_unknown(); });
}

// The keys of an ignored section that are not a model's name (IgnoredScope reads these).
const std::vector<std::string> kIgnoredScopeKeys = {"scope", "scope_regex", "operations", "inputs_to",
                                                    "outputs_from", "blocks", "depthwise", "skip_model"};

std::string join_names(const std::vector<CascadeMember>& members) {
    std::string out;
    for (const auto& m : members) out += str_cat(out.empty() ? "" : ", ", m.name);
    return out;
}

// POT's cascades give each model its own ignored block, keyed by the model's name; each model's
// algorithms see only theirs. A block without model names applies to every model.
void split_cascade_algorithms(Config& config, ConfigProblems& problems) {
    auto& members = config.model.cascade;
    for (auto& m : members) m.algorithms.clear();
    // A cascade's accuracy is that of its whole pipeline (POT measures it with an Accuracy Checker
    // evaluator module written for the cascade); each model here is compared with its own FP32 outputs.
    if (config.optimizer)
        problems.add("/optimizer: a cascade is tuned on the accuracy of its whole pipeline, which needs that "
                     "pipeline's evaluator; quantize the cascade without an optimizer (each model is compared "
                     "with its own FP32 outputs)");
    if (!config.engine.metrics.empty())
        problems.warn("/engine metrics: not used for a cascade: each model of it is compared with its own FP32 "
                      "outputs (the metrics score the whole pipeline's output)");
    const auto is_member = [&](const std::string& key) {
        return std::any_of(members.begin(), members.end(), [&](const CascadeMember& m) { return m.name == key; });
    };
    for (const auto& algorithm : config.compression.algorithms) {
        nlohmann::json params = nlohmann::json::parse(algorithm.params_json, nullptr, false);
        const bool per_model = params.is_object() && params.contains("ignored") && params["ignored"].is_object() &&
                               std::any_of(params["ignored"].items().begin(), params["ignored"].items().end(),
                                           [&](const auto& item) { return is_member(item.key()); });
        if (per_model)
            for (const auto& item : params["ignored"].items())
                if (!is_member(item.key()))
                    problems.add(str_cat(algorithm.path, "/params/ignored/", item.key(), ": ",
                                         std::find(kIgnoredScopeKeys.begin(), kIgnoredScopeKeys.end(), item.key()) !=
                                                 kIgnoredScopeKeys.end()
                                             ? "beside blocks of the cascade's models; put it in each model's block"
                                             : "no model of /model/cascade has that name",
                                         " (models: ", join_names(members), ")"));
        for (auto& m : members) {
            nlohmann::json own = params;
            if (per_model) {
                if (params["ignored"].contains(m.name)) own["ignored"] = params["ignored"][m.name];
                else own.erase("ignored");
            }
            m.algorithms.push_back({algorithm.name, own.dump(), algorithm.path});
        }
    }
}

// A JSON bool, or POT's text spellings "True" / "False".
bool lenient_bool(const Params& p, const std::string& key, bool fallback) {
    if (!p.has(key) || p.json().at(key).is_boolean()) return p.get_bool(key, fallback);
    const auto text = p.get_enum<std::string>(key, "", {{"True", "true"}, {"true", "true"}, {"False", "false"},
                                                        {"false", "false"}});
    return text == "true";
}

// POT's shape text "[None, 3, 224, 224]" or a JSON list; None / null is taken from the model.
std::vector<int64_t> synthetic_shape(const Params& engine) {
    const std::string where = engine.path() + "/shape";
    nlohmann::json list = engine.json().at("shape");
    if (list.is_string()) {
        std::string text = list.get<std::string>();
        for (size_t at; (at = text.find("None")) != std::string::npos;) text.replace(at, 4, "null");
        list = nlohmann::json::parse(text, nullptr, false);
    }
    POT_CHECK_KIND(Config, list.is_array() && list.size() >= 3 && list.size() <= 4, where,
                   ": expected 3 or 4 dimensions such as \"[None, 3, 224, 224]\", got ",
                   engine.json().at("shape").dump());
    std::vector<int64_t> shape;
    for (const auto& d : list) {
        POT_CHECK_KIND(Config, d.is_null() || (d.is_number_integer() && d.get<int64_t>() >= 1 && d.get<int64_t>() <= 4096),
                       where, ": each dimension is None or 1 to 4096, got ", d.dump());
        shape.push_back(d.is_null() ? -1 : d.get<int64_t>());
    }
    return shape;
}

void parse_data_free(const Params& engine, EngineConfig& out, ConfigProblems& problems) {
    SyntheticData s;
    problems.check([&] { s.generate = lenient_bool(engine, "generate_data", true); });
    problems.check([&] {
        engine.get_enum<std::string>("data_type", "image", {{"image", "image"}});
    });
    problems.check([&] {
        if (engine.has("shape")) s.shape = synthetic_shape(engine);
    });
    problems.check([&] {
        s.count = engine.get_int("subset_size", s.count);
        POT_CHECK_KIND(Config, s.count >= 1 && s.count <= 100000, "/engine/subset_size: expected 1 to 100000, got ",
                       s.count);
    });
    out.synthetic = s;
}

void parse_engine(const Params& engine, const std::filesystem::path& base_dir, EngineConfig& out,
                  ConfigProblems& problems) {
    // POT's default engine is the Accuracy Checker; these keys are its.
    std::vector<std::string> checker_keys;
    for (const char* key : {"config", "models", "launchers", "datasets", "module", "module_config"})
        if (engine.has(key)) checker_keys.push_back(key);
    const bool typed = engine.has("type");
    problems.check([&] {
        out.type = engine.get_enum<std::string>(
            "type", checker_keys.empty() ? "simplified" : "accuracy_checker",
            {{"simplified", "simplified"}, {"accuracy_checker", "accuracy_checker"}, {"data_free", "data_free"}});
    });
    if (out.type == "data_free") parse_data_free(engine, out, problems);
    if (out.type == "simplified" && typed) {
        // POT's simplified engine reads data_source (and layout) only; its spec file lists the
        // Accuracy Checker keys beside it as alternatives.
        const auto ignored = accept_ignored(
            engine, {"config", "models", "launchers", "datasets", "module", "module_config", "name"}, "/engine");
        if (!ignored.empty())
            problems.warn(str_cat(ignored, ": ignored: /engine/type is 'simplified', which reads "
                                  "/engine/data_source (the Accuracy Checker engine reads them)"));
    }
    if (out.type == "accuracy_checker") {
        for (const auto& k : checker_keys) engine.accept(k);
        engine.accept("name");  // the inline model's name, as in an Accuracy Checker file
        if (checker_keys.empty())
            problems.add("/engine/type: 'accuracy_checker' needs its config (an Accuracy Checker YAML file) or "
                         "launchers and datasets");
        else
            read_accuracy_checker(engine, base_dir, out, problems);
    }
    problems.check([&] { out.backend = engine.get_string("backend", ""); });
    problems.check([&] {
        if (out.type == "accuracy_checker") {
            POT_CHECK_KIND(Config, !engine.has("data_source") && !engine.has("annotation") &&
                                       !engine.has("preprocessing") && !engine.has("metrics"),
                           "/engine: the Accuracy Checker engine takes its data, annotation, preprocessing and "
                           "metrics from its datasets entry; give them there");
            return;
        }
        // POT's data-free mode writes its images to data_source, by default a folder of its own.
        const auto data = engine.get_string("data_source", out.type == "data_free" ? "pot_dataset" : "");
        POT_CHECK_KIND(Config, !data.empty(), "/engine/data_source: required (folder of images, .npy tensors, "
                       "or MNIST idx files)", typed ? "" : "; the engine is 'simplified' when /engine/type is "
                       "absent; POT's default there, the Accuracy Checker engine, needs /engine/config (its YAML "
                       "file) or /engine/launchers and /engine/datasets");
        out.data_source = resolve(base_dir, data);
    });
    problems.check([&] {
        if (engine.has("annotation")) out.annotation = resolve(base_dir, engine.get_string("annotation", ""));
    });
    if (out.type != "accuracy_checker") problems.check([&] {
        const Params pre = engine.child("preprocessing");
        // POT's simplified engine reads layout beside data_source.
        if (engine.has("layout")) {
            POT_CHECK_KIND(Config, !pre.has("layout"), "/engine/layout: given twice (also "
                           "/engine/preprocessing/layout); give it once");
            nlohmann::json moved = pre.json();
            moved["layout"] = engine.json().at("layout");
            // POT's layouts without the batch dimension read as the batched ones.
            if (moved["layout"] == "CHW") moved["layout"] = "NCHW";
            if (moved["layout"] == "HWC") moved["layout"] = "NHWC";
            out.preprocessing = read_preprocessing(Params(moved, pre.path()));
        } else {
            out.preprocessing = read_preprocessing(pre);
        }
    });
    problems.check([&] {
        if (!engine.has("evaluation")) return;
        const Params eval = engine.child("evaluation");
        const auto source = eval.get_string("data_source", "");
        POT_CHECK_KIND(Config, !source.empty(), "/engine/evaluation/data_source: required");
        out.evaluation_data_source = resolve(base_dir, source);
        if (eval.has("annotation")) out.evaluation_annotation = resolve(base_dir, eval.get_string("annotation", ""));
        eval.reject_unknown();
    });
    problems.check([&] {
        if (!engine.has("metrics")) return;
        const auto& metrics = engine.json().at("metrics");
        POT_CHECK_KIND(Config, metrics.is_array() && !metrics.empty(),
                       "/engine/metrics: expected a non-empty list, got ", metrics.dump());
        for (size_t i = 0; i < metrics.size(); ++i)
            problems.check([&] { out.metrics.push_back(read_metric(metrics[i], str_cat("/engine/metrics/", i))); });
    });
    problems.check([&] { out.threads = checked_thread_count(engine.get_int("threads", 0), "/engine/threads"); });
    problems.check([&] { out.params_json = params_text(engine, "params"); });
    problems.check([&] {
        const auto device = engine.get_string("device", "CPU");
        POT_CHECK_KIND(Config, device == "CPU", "/engine/device: '", device, "': the engines here run on the "
                       "CPU only; give \"CPU\" or leave it out");
    });
    // POT's counts of parallel inference requests: the engines here use their threads instead
    // (/engine/threads).
    for (const char* key : {"stat_requests_number", "eval_requests_number"})
        problems.check([&] {
            const int64_t n = engine.get_int(key, 1);
            POT_CHECK_KIND(Config, n >= 0, "/engine/", key, ": expected a count >= 0, got ", n);
        });
    problems.check([&] { engine.reject_unknown({"layout"}); });
}

void parse_compression(const Params& compression, const std::filesystem::path& base_dir, CompressionConfig& out,
                       ConfigProblems& problems) {
    problems.check([&] {
        out.target_device = checked_target_device(compression.get_string("target_device", "ANY"),
                                                  "/compression/target_device");
    });
    // POT's model_type applies to its quantization algorithms: each gets it (unless its params
    // set their own), and MinMaxQuantization keeps the model type's ops in float.
    std::string model_type;
    problems.check([&] {
        // POT's spec files write "None" (or null) for no model type.
        const auto* value = compression.has("model_type") ? &compression.json().at("model_type") : nullptr;
        if (value && value->is_null()) compression.accept("model_type");
        else model_type = compression.get_enum<std::string>("model_type", "", {{"transformer", "transformer"}, {"None", ""}});
    });
    problems.check([&] { compression.get_bool("inplace_statistics", true); });
    // POT's own default_quantization_spec.json spells it so; POT ignores keys it does not know.
    if (compression.has("inplase_statistics"))
        problems.check([&] {
            POT_CHECK_KIND(Config, !compression.has("inplace_statistics"), "/compression/inplase_statistics: "
                           "given beside /compression/inplace_statistics; give the latter only");
            compression.get_bool("inplase_statistics", true);
            problems.warn("/compression/inplase_statistics: read as inplace_statistics (statistics are "
                          "reduced as batches pass here in either case)");
        });
    problems.check([&] { out.dump_intermediate_model = compression.get_bool("dump_intermediate_model", false); });
    problems.check([&] {
        if (compression.has("statistics_cache"))
            out.statistics_cache = resolve(base_dir, compression.get_string("statistics_cache", ""));
    });
    problems.check([&] {
        POT_CHECK_KIND(Config, compression.has("algorithms"), "/compression/algorithms: required");
        const auto& algorithms = compression.json().at("algorithms");
        POT_CHECK_KIND(Config, algorithms.is_array() && !algorithms.empty(),
                       "/compression/algorithms: expected a non-empty list, got ", algorithms.dump());
        for (size_t i = 0; i < algorithms.size(); ++i) {
            problems.check([&] {
                const std::string path = str_cat("/compression/algorithms/", i);
                const Params entry(algorithms[i], path);
                AlgorithmConfig algo;
                algo.path = path;
                algo.name = entry.get_string("name", "");
                POT_CHECK_KIND(Config, !algo.name.empty(), path, "/name: required");
                algo.params_json = params_text(entry, "params");
                entry.reject_unknown();
                static const char* const kTakesModelType[] = {"MinMaxQuantization", "DefaultQuantization",
                                                              "TunableQuantization", "AccuracyAwareQuantization"};
                if (!model_type.empty() &&
                    std::find(std::begin(kTakesModelType), std::end(kTakesModelType), algo.name) != std::end(kTakesModelType)) {
                    auto params = nlohmann::json::parse(algo.params_json);
                    if (!params.contains("model_type")) params["model_type"] = model_type;
                    algo.params_json = params.dump();
                }
                out.algorithms.push_back(std::move(algo));
            });
        }
    });
    problems.check([&] { compression.reject_unknown(); });
}

}  // namespace

std::string checked_target_device(const std::string& device, const std::string& where) {
    static const std::vector<std::string> kTargets = {"ANY", "CPU", "CPU_SPR", "GPU", "VPU", "NPU"};
    static const std::string kList = "ANY, CPU, CPU_SPR, GPU, VPU, NPU";
    // GNA runs 16-bit activations (POT's gna.json), which the 8-bit QDQ models written here
    // cannot hold; quantizing by other rules would give a model GNA does not run as expected.
    for (const char* gna : {"GNA", "GNA3", "GNA3.5"})
        POT_CHECK_KIND(Config, device != gna, where, ": '", device, "': GNA quantizes activations to 16 bits, ",
                       "and the models written here hold 8-bit codes; targets: ", kList);
    if (std::find(kTargets.begin(), kTargets.end(), device) == kTargets.end())
        POT_THROW(Config, where, ": unknown value '", device, "'", did_you_mean(device, kTargets),
                  "; expected one of ", kList);
    return device;
}

std::string scoring_unsupported_list(const EngineConfig& engine) {
    std::string out;
    for (const auto& m : engine.scoring_unsupported) out += str_cat(out.empty() ? "" : "; ", m);
    return out;
}

Config parse_config(const std::string& text, const std::filesystem::path& base_dir,
                    const std::string& origin) {
    Config config;
    config.json = parse_json(without_trailing_commas(text), origin, ErrorKind::Config);
    ConfigProblems problems;
    try {
        const Params root(config.json, "");
        for (const char* section : {"model", "engine", "compression"})
            if (!root.has(section)) problems.add(str_cat("missing section /", section));
        if (root.has("model")) parse_model(root.child("model"), base_dir, config.model, problems);
        if (root.has("engine")) parse_engine(root.child("engine"), base_dir, config.engine, problems);
        if (root.has("compression"))
            parse_compression(root.child("compression"), base_dir, config.compression, problems);
        if (root.has("optimizer")) config.optimizer = parse_optimizer(root.child("optimizer"), problems);
        if (!config.model.cascade.empty()) split_cascade_algorithms(config, problems);
        else if (!config.engine.scoring_unsupported.empty()) {
            const std::string list = scoring_unsupported_list(config.engine);
            if (config.optimizer)
                problems.add("/optimizer: its trials are scored with the dataset's annotations and metrics, and " + list);
            else
                problems.warn(list + "; only scoring accuracy needs them, and statistics need only the inputs: the "
                              "model is quantized, but -e and algorithms that evaluate (AccuracyAwareQuantization) "
                              "are refused");
        }
        problems.check([&] { root.reject_unknown(); });
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Config) throw;
        problems.add(e.what());
    }
    problems.throw_if_any(origin);
    config.warnings = problems.warnings();
    return config;
}

void check_config_paths(const Config& config) {
    ConfigProblems problems;
    const auto need = [&](const std::filesystem::path& path, const std::string& where, bool folder_allowed) {
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (status.type() == std::filesystem::file_type::not_found)
            problems.add(str_cat(where, ": '", path.string(), "' does not exist"));
        else if (!folder_allowed && std::filesystem::is_directory(status))
            problems.add(str_cat(where, ": '", path.string(), "' is a folder; expected a file"));
    };
    if (config.model.cascade.empty()) need(config.model.model, "/model/model", false);
    for (size_t i = 0; i < config.model.cascade.size(); ++i)
        need(config.model.cascade[i].model, str_cat("/model/cascade/", i, "/model"), false);
    // Data-free mode creates its folder.
    // A file-name pattern (POT's "calib/*.png") needs its folder.
    std::error_code ec;
    const auto& data = config.engine.data_source;
    if (const auto& a = config.engine.annotation_data) {
        // The data are made from annotations: data_source is not read (Accuracy Checker's
        // annotation_features_extractor and ncf_data_reader do not read it either).
        for (const auto& [key, value] : a->params.items())
            if (key.size() > 5 && key.compare(key.size() - 5, 5, "_file") == 0 && value.is_string())
                need(value.get<std::string>(), str_cat(a->path, "/annotation_conversion/", key), false);
        if (a->pickle) need(*a->pickle, a->path + "/annotation", false);
    } else if (is_file_pattern(data) && !std::filesystem::exists(data, ec))
        need(data.parent_path(), "/engine/data_source (the folder of its file-name pattern)", true);
    else if (!(config.engine.synthetic && config.engine.synthetic->generate))
        need(data, "/engine/data_source", true);
    if (config.engine.annotation) need(*config.engine.annotation, "/engine/annotation", true);
    if (config.engine.evaluation_data_source)
        need(*config.engine.evaluation_data_source, "/engine/evaluation/data_source", true);
    if (config.engine.evaluation_annotation)
        need(*config.engine.evaluation_annotation, "/engine/evaluation/annotation", true);
    problems.throw_if_any(config.file.string());
}

Config load_config(const std::filesystem::path& file) {
    const std::string text = read_file_bounded(file, kMaxConfigBytes, "config file", ErrorKind::Config);
    const auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    Config config = parse_config(text, base, file.string());
    config.file = file;
    return config;
}

}  // namespace pot::core
