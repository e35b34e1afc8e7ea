#include "accuracy_checker.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"
#include "question_answering_metric.hpp"

namespace pot::core {

namespace {

// Accuracy Checker files are a few KiB, like configs.
constexpr uint64_t kMaxYamlBytes = 16 << 20;

// YAML scalars carry no type: an integer, a number, a boolean (YAML 1.1 spellings) or a string.
nlohmann::json scalar(const std::string& text) {
    static const std::regex integer(R"([-+]?[0-9]+)");
    static const std::regex number(R"([-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)");
    if (std::regex_match(text, integer)) {
        try {
            return std::stoll(text);
        } catch (const std::out_of_range&) {
        }
    }
    if (std::regex_match(text, number)) return std::stod(text);
    for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "on", "On"})
        if (text == t) return true;
    for (const char* f : {"false", "False", "FALSE", "no", "No", "off", "Off"})
        if (text == f) return false;
    return text;
}

// YAML aliases repeat a node without repeating its text, so a small file can stand for a huge
// tree; the converted tree is bounded instead of the text.
constexpr size_t kMaxYamlNodes = 1 << 20;

nlohmann::json to_json(const YAML::Node& node, const std::string& origin, int depth, size_t& nodes) {
    POT_CHECK_KIND(Config, depth < kJsonMaxDepth, origin, ": YAML nested deeper than ", kJsonMaxDepth, " levels");
    POT_CHECK_KIND(Config, ++nodes <= kMaxYamlNodes, origin, ": YAML of more than ", kMaxYamlNodes,
                   " values (aliases included); an Accuracy Checker config is far smaller");
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            // A quoted scalar stays a string.
            return node.Tag() == "!" ? nlohmann::json(node.Scalar()) : scalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& item : node) out.push_back(to_json(item, origin, depth + 1, nodes));
            return out;
        }
        case YAML::NodeType::Map: {
            nlohmann::json out = nlohmann::json::object();
            for (const auto& item : node) out[item.first.as<std::string>()] = to_json(item.second, origin, depth + 1, nodes);
            return out;
        }
    }
    return nullptr;
}

nlohmann::json read_yaml(const std::filesystem::path& file) {
    const std::string text = read_file_bounded(file, kMaxYamlBytes, "Accuracy Checker config", ErrorKind::Config);
    try {
        size_t nodes = 0;
        return to_json(YAML::Load(text), file.string(), 0, nodes);
    } catch (const YAML::Exception& e) {
        POT_THROW(Config, file.string(), ": invalid YAML: ", e.what());
    }
}

// Accuracy Checker names a component (adapter, reader) as a string or as an object's `type`;
// anything else is named by its JSON text.
std::string component_type(const nlohmann::json& c) {
    if (c.is_string()) return c.get<std::string>();
    if (c.is_object() && c.contains("type") && c["type"].is_string()) return c["type"].get<std::string>();
    return c.dump();
}

// Accuracy Checker writes per-channel values as a number, a list or a string "(a, b, c)".
std::vector<float> channel_values(const nlohmann::json& v, const std::string& path) {
    nlohmann::json list = v;
    if (v.is_string()) {
        std::string text = v.get<std::string>();
        std::replace_if(text.begin(), text.end(), [](char c) { return c == '(' || c == ')' || c == ','; }, ' ');
        std::istringstream in(text);
        list = nlohmann::json::array();
        double x = 0;
        while (in >> x) list.push_back(x);
        POT_CHECK_KIND(Config, in.eof() && !list.empty(), path, ": expected numbers, got ", v.dump());
    }
    if (list.is_number()) list = nlohmann::json::array({list});
    POT_CHECK_KIND(Config, list.is_array() && !list.empty(), path, ": expected a number or numbers, got ", v.dump());
    std::vector<float> out;
    for (const auto& x : list) {
        POT_CHECK_KIND(Config, x.is_number() && std::isfinite(x.get<double>()) && std::fabs(x.get<double>()) <= 1e6,
                       path, ": expected numbers of magnitude up to 1e6, got ", v.dump());
        out.push_back(static_cast<float>(x.get<double>()));
    }
    return out;
}

// A size given as `size` (square) or `dst_height` and `dst_width`.
std::pair<int, int> step_size(const Params& step) {
    const auto side = [&](const char* key) {
        const int64_t v = step.get_int(key, 0);
        POT_CHECK_KIND(Config, v > 0 && v <= kMaxImageSide, step.path(), "/", key, ": expected 1 to ",
                       kMaxImageSide, " pixels, got ", v);
        return static_cast<int>(v);
    };
    if (step.has("size")) return {side("size"), side("size")};
    POT_CHECK_KIND(Config, step.has("dst_height") && step.has("dst_width"), step.path(),
                   ": give size, or dst_height and dst_width");
    return {side("dst_height"), side("dst_width")};
}

class Reader {
public:
    Reader(std::string origin, ConfigProblems& problems) : origin_(std::move(origin)), problems_(problems) {}

    // Problems inside a YAML file name the file; inline ones name the config path alone.
    template <typename Read>
    void check(Read&& read) {
        problems_.check(std::forward<Read>(read), origin_);
    }
    void add(const std::string& message) { problems_.add(message, origin_); }
    void warn(const std::string& message) { problems_.warn(message, origin_); }
    // A part only accuracy scoring needs: quantization runs without it (see scoring_unsupported).
    void scoring_only(EngineConfig& out, const std::string& message) {
        out.scoring_unsupported.push_back(origin_.empty() ? message : origin_ + ": " + message);
    }

    void launcher(const Params& l, EngineConfig& out) {
        check([&] {
            l.get_enum<std::string>("framework", "dlsdk",
                                    {{"dlsdk", "dlsdk"}, {"openvino", "openvino"}, {"onnx_runtime", "onnx_runtime"}});
        });
        check([&] {
            // Accuracy Checker reads the device name in any case ("cpu" in POT's BERT files).
            std::string device = l.get_string("device", "CPU");
            std::transform(device.begin(), device.end(), device.begin(), [](unsigned char c) { return std::toupper(c); });
            POT_CHECK_KIND(Config, device == "CPU", l.path(), "/device: '", l.get_string("device", "CPU"),
                           "': the engines here run on the CPU only");
        });
        check([&] {
            if (!l.has("adapter")) return;
            const std::string type = component_type(l.json().at("adapter"));
            if (type == "bert_question_answering") return question_answering_adapter(l);
            if (type != "classification")
                scoring_only(out, str_cat(l.path(), "/adapter: '", type, "' is not in the supported subset "
                                          "(classification: the model's output scores the classes; "
                                          "bert_question_answering: start and end logits of SQuAD answers)"));
        });
        // The launcher's own model files: POT quantizes the model of its model section. A
        // dynamic model here takes the sizes of the data (allow_reshape_input's effect).
        // Model Optimizer's conversion settings (mo_params, mo_flags) made the IR from a framework
        // file; the ONNX model needs none.
        for (const char* key : {"model", "weights", "batch", "allow_reshape_input", "mo_params", "mo_flags"})
            l.accept(key);
        if (l.has("inputs")) launcher_inputs(l, out);
        check([&] { l.reject_unknown(); });
    }

    void dataset(const Params& d, const std::filesystem::path& base, EngineConfig& out) {
        d.get_string("name", "");
        const auto& json = d.json();
        const std::string reader_type = json.contains("reader") ? component_type(json.at("reader")) : "opencv_imread";
        if (reader_type == "annotation_features_extractor" || reader_type == "ncf_data_reader")
            return annotation_dataset(d, base, reader_type, out);
        // The channel order each reader gives (OpenCV's BGR, Pillow's RGB); the swap steps toggle it.
        check([&] {
            const auto data = d.get_string("data_source", "");
            POT_CHECK_KIND(Config, !data.empty(), d.path(), "/data_source: required");
            out.data_source = resolve(base, data);
        });
        check([&] {
            const std::string reader = reader_type;
            d.accept("reader");
            // numpy_reader, named or as {"type": "numpy_reader"}: the data are .npy arrays.
            const bool numpy = reader == "numpy_reader";
            POT_CHECK_KIND(Config, numpy || reader == "opencv_imread" || reader == "pillow_imread", d.path(),
                           "/reader: '", reader, "' is not in the supported subset (opencv_imread: BGR, "
                           "pillow_imread: RGB, numpy_reader: .npy arrays fed as they are)");
            out.arrays_only = numpy;
            if (numpy) {
                // Image steps have nothing to work on: the arrays go to the model unchanged.
                POT_CHECK_KIND(Config, !d.has("preprocessing"), d.path(), "/preprocessing: numpy_reader's arrays "
                               "are fed as they are; the supported steps work on images");
                return;
            }
            out.preprocessing.color = reader == "pillow_imread" ? "RGB" : "BGR";
        });
        const auto converter = d.has("annotation_conversion") && d.json().at("annotation_conversion").is_object()
                                   ? d.json().at("annotation_conversion").value("converter", std::string())
                                   : std::string("imagenet");
        if (converter != "imagenet") {
            // Annotations only score accuracy: the converter's own keys are not read.
            d.accept("annotation_conversion");
            scoring_only(out, str_cat(d.path(), "/annotation_conversion/converter: '", converter, "' is not in the "
                                      "supported subset (imagenet: '<file> <class>' lines)"));
        } else if (d.has("annotation_conversion")) {
            const Params conv = d.child("annotation_conversion");
            conv.accept("converter");
            check([&] {
                const auto file = conv.get_string("annotation_file", "");
                POT_CHECK_KIND(Config, !file.empty(), conv.path(), "/annotation_file: required");
                out.annotation = resolve(base, file);
            });
            // The model's class 0 is a background class the annotation does not count.
            check([&] { out.label_offset = conv.get_bool("has_background", false) ? 1 : 0; });
            conv.accept("labels_file");  // class names, for display only
            check([&] { conv.reject_unknown(); });
        }
        // Accuracy Checker's ready annotation files are pickles of its own classes.
        if (d.has("annotation"))
            scoring_only(out, str_cat(d.path(), "/annotation: Accuracy Checker's converted annotation files are not "
                                      "read; give annotation_conversion with the imagenet converter"));
        if (d.has("preprocessing")) preprocessing(d, out.preprocessing);
        scoring_parts(d, out);
    }

private:
    // BERT's start and end logits, named by the model's outputs (checked against the model when
    // it is loaded: see QuestionAnsweringMetric::bind_outputs).
    void question_answering_adapter(const Params& launcher) {
        POT_CHECK_KIND(Config, launcher.json().at("adapter").is_object(), launcher.path(), "/adapter: "
                       "bert_question_answering needs start_token_logits_output and end_token_logits_output: give "
                       "the adapter as an object with its type and these keys");
        const Params adapter = launcher.child("adapter");
        adapter.accept("type");
        QuestionAnsweringAdapter a;
        a.path = origin_.empty() ? adapter.path() : origin_ + ": " + adapter.path();
        for (auto [key, name] : {std::pair{"start_token_logits_output", &a.start_output},
                                 std::pair{"end_token_logits_output", &a.end_output}}) {
            *name = adapter.get_string(key, "");
            POT_CHECK_KIND(Config, !name->empty(), adapter.path(), "/", key, ": required (the model output "
                           "holding the ", key[0] == 's' ? "start" : "end", " logits)");
        }
        adapter.reject_unknown();
        question_answering_ = std::move(a);
    }

    // The steps preparing predictions for metrics: extract_answers_tokens, SQuAD's answers.
    void postprocessing(const Params& d, EngineConfig& out) {
        const auto& steps = d.json().at("postprocessing");
        const std::string path = d.path() + "/postprocessing";
        if (!steps.is_array()) return add(str_cat(path, ": expected a list of steps"));
        for (size_t i = 0; i < steps.size(); ++i) {
            check([&] {
                const Params step(steps[i], str_cat(path, "/", i));
                const auto type = step.get_string("type", "");
                if (type != "extract_answers_tokens")
                    return scoring_only(out, str_cat(step.path(), "/type: '", type, "' is not in the supported "
                                                     "subset (extract_answers_tokens: SQuAD's answers)"));
                AnswerSettings settings;
                settings.max_answer = step.get_int("max_answer", settings.max_answer);
                settings.n_best_size = step.get_int("n_best_size", settings.n_best_size);
                for (auto [key, value] : {std::pair{"max_answer", settings.max_answer},
                                          std::pair{"n_best_size", settings.n_best_size}})
                    POT_CHECK_KIND(Config, value >= 1 && value <= 4096, step.path(), "/", key,
                                   ": expected 1 to 4096, got ", value);
                // SQuAD v2's unanswerable questions are outside the subset.
                POT_CHECK_KIND(Config, !step.get_bool("v2_with_no_answers", false), step.path(),
                               "/v2_with_no_answers: true is not supported: answers are SQuAD v1.1's (always one)");
                step.get_double("no_answer_score_threshold", 0.0);
                step.reject_unknown();
                answer_settings_ = settings;
            });
        }
    }

    // Metrics and postprocessing, and the settings only evaluation reads.
    void scoring_parts(const Params& d, EngineConfig& out) {
        if (d.has("postprocessing")) postprocessing(d, out);
        if (d.has("metrics")) metrics(d, out);
        // Evaluation-only settings: the evaluation subset and the dataset's own batch.
        for (const char* key : {"subsample_size", "batch", "dataset_meta", "annotation"}) d.accept(key);
        check([&] { d.reject_unknown(); });
    }

    // Readers whose data are the annotations themselves: annotation_features_extractor (named
    // arrays of each annotation, from the squad converter or Accuracy Checker's converted
    // annotation file) and ncf_data_reader (the numbers in movie_lens_converter's identifiers).
    void annotation_dataset(const Params& d, const std::filesystem::path& base, const std::string& reader,
                            EngineConfig& out) {
        AnnotationData data;
        data.reader = reader;
        data.path = origin_.empty() ? d.path() : origin_ + ": " + d.path();
        d.accept("reader");
        // Neither reader opens data_source; it is kept for messages.
        check([&] { out.data_source = resolve(base, d.get_string("data_source", ".")); });
        if (reader == "annotation_features_extractor") {
            check([&] {
                const Params r = d.child("reader");
                r.accept("type");
                const auto& list = r.json().contains("features") ? r.json().at("features") : nlohmann::json();
                POT_CHECK_KIND(Config, list.is_array() && !list.empty(), r.path(), "/features: required: the list "
                               "of annotation arrays to feed (input_ids, input_mask, segment_ids)");
                for (const auto& f : list) {
                    POT_CHECK_KIND(Config, f.is_string(), r.path(), "/features: expected names, got ", f.dump());
                    data.features.push_back(f.get<std::string>());
                }
                r.accept("features");
                r.reject_unknown();
            });
        }
        const bool converted = d.has("annotation_conversion");
        if (converted) {
            check([&] { converter_settings(d.child("annotation_conversion"), base, reader, data); });
        } else if (d.has("annotation") && reader == "annotation_features_extractor") {
            // Accuracy Checker reads the converted file when no conversion is given.
            check([&] { data.pickle = resolve(base, d.get_string("annotation", "")); });
        } else {
            add(str_cat(d.path(), ": give annotation_conversion (", reader == "ncf_data_reader"
                            ? "converter: movie_lens_converter with rating_file, negative_file"
                            : "converter: squad with testing_file, vocab_file, max_seq_length, max_query_length, "
                              "doc_stride, lower_case",
                        ")", reader == "ncf_data_reader" ? "" : ", or annotation: Accuracy Checker's converted file",
                        "; ", reader, " feeds the model from the annotations"));
        }
        if (d.has("preprocessing")) {
            d.accept("preprocessing");
            add(str_cat(d.path(), "/preprocessing: ", reader, "'s arrays are fed as they are; the supported steps "
                        "work on images"));
        }
        out.arrays_only = true;
        out.annotation_data = std::move(data);
        scoring_parts(d, out);
    }

    void converter_settings(const Params& conv, const std::filesystem::path& base, const std::string& reader,
                            AnnotationData& data) {
        data.converter = conv.get_string("converter", "");
        const auto path_key = [&](const char* key) {
            const auto value = conv.get_string(key, "");
            POT_CHECK_KIND(Config, !value.empty(), conv.path(), "/", key, ": required");
            data.params[key] = resolve(base, value).string();
        };
        const auto positive_key = [&](const char* key, int64_t fallback) {
            const int64_t v = conv.get_int(key, fallback);
            POT_CHECK_KIND(Config, v >= 1 && v <= (int64_t{1} << 20), conv.path(), "/", key,
                           ": expected 1 to 1048576, got ", v);
            data.params[key] = v;
        };
        if (data.converter == "squad") {
            POT_CHECK_KIND(Config, reader == "annotation_features_extractor", conv.path(),
                           "/converter: squad's features are read by annotation_features_extractor, not ", reader);
            path_key("testing_file");
            path_key("vocab_file");
            positive_key("max_seq_length", 128);
            positive_key("max_query_length", 64);
            positive_key("doc_stride", 128);
            data.params["lower_case"] = conv.get_bool("lower_case", false);
            // Unpadded features differ in length from question to question; the model's inputs do not.
            POT_CHECK_KIND(Config, conv.get_bool("enable_padding", true), conv.path(),
                           "/enable_padding: false is not supported: features are padded to max_seq_length");
        } else if (data.converter == "movie_lens_converter") {
            POT_CHECK_KIND(Config, reader == "ncf_data_reader", conv.path(),
                           "/converter: movie_lens_converter's samples are read by ncf_data_reader, not ", reader);
            path_key("rating_file");
            path_key("negative_file");
            if (conv.has("users_max_number")) positive_key("users_max_number", 1);
        } else {
            POT_THROW(Config, conv.path(), "/converter: '", data.converter, "' is not in the supported subset for ",
                      reader, " (squad, movie_lens_converter)");
        }
        conv.reject_unknown();
    }

    // Accuracy Checker's input entries: which data feed which model input.
    void launcher_inputs(const Params& l, EngineConfig& out) {
        l.accept("inputs");
        const auto& list = l.json().at("inputs");
        const std::string path = l.path() + "/inputs";
        if (!list.is_array()) return add(str_cat(path, ": expected a list of inputs (name, type, value)"));
        for (size_t i = 0; i < list.size(); ++i) {
            check([&] {
                const Params entry(list[i], str_cat(path, "/", i));
                InputBinding b;
                b.path = origin_.empty() ? entry.path() : origin_ + ": " + entry.path();
                b.name = entry.get_string("name", "");
                POT_CHECK_KIND(Config, !b.name.empty(), entry.path(), "/name: required (the model input)");
                b.type = entry.get_string("type", "");
                POT_CHECK_KIND(Config, b.type == "INPUT" || b.type == "CONST_INPUT", entry.path(), "/type: '",
                               b.type, "' is not in the supported subset (INPUT: data chosen by value, "
                               "CONST_INPUT: value itself)");
                POT_CHECK_KIND(Config, entry.has("value"), entry.path(), "/value: required");
                const auto& value = entry.json().at("value");
                entry.accept("value");
                if (b.type == "INPUT") {
                    POT_CHECK_KIND(Config, value.is_string(), entry.path(), "/value: expected a regular expression "
                                   "of the data identifiers, got ", value.dump());
                    b.value = value.get<std::string>();
                    try {
                        std::regex check_syntax(b.value);
                    } catch (const std::regex_error& e) {
                        POT_THROW(Config, entry.path(), "/value: '", b.value, "' is not a regular expression: ", e.what());
                    }
                } else {
                    b.value = value.is_string() ? nlohmann::json(channel_values(value, entry.path() + "/value")).dump()
                                                : value.dump();
                }
                b.precision = entry.get_enum<std::string>(
                    "precision", "", {{"FP32", "FP32"}, {"FP16", "FP16"}, {"I32", "I32"}, {"I64", "I64"},
                                      {"I8", "I8"}, {"U8", "U8"}, {"BOOL", "BOOL"}});
                if (entry.has("shape")) {
                    const auto& shape = entry.json().at("shape");
                    entry.accept("shape");
                    POT_CHECK_KIND(Config, shape.is_array() && !shape.empty(), entry.path(),
                                   "/shape: expected a list of dimensions, got ", shape.dump());
                    for (const auto& dim : shape) {
                        POT_CHECK_KIND(Config, dim.is_number_integer() && dim.get<int64_t>() >= 1 &&
                                                   dim.get<int64_t>() <= (int64_t{1} << 30),
                                       entry.path(), "/shape: expected positive dimensions, got ", shape.dump());
                        b.shape.push_back(dim.get<int64_t>());
                    }
                }
                POT_CHECK_KIND(Config, !entry.has("layout"), entry.path(), "/layout: not supported: the data are "
                               "fed in their own layout");
                entry.reject_unknown();
                out.input_bindings.push_back(std::move(b));
            });
        }
    }

    // The steps map to the simplified engine's fixed order: color, resize, center crop, normalize.
    void preprocessing(const Params& d, Preprocessing& pre) {
        const auto& steps = d.json().at("preprocessing");
        const std::string path = d.path() + "/preprocessing";
        if (!steps.is_array()) return add(str_cat(path, ": expected a list of steps"));
        int last_rank = -1;
        for (size_t i = 0; i < steps.size(); ++i) {
            check([&] {
                const Params step(steps[i], str_cat(path, "/", i));
                const auto type = step.get_string("type", "");
                int rank = 0;
                if (type == "bgr_to_rgb" || type == "rgb_to_bgr") {
                    pre.color = pre.color == "RGB" ? "BGR" : "RGB";
                } else if (type == "resize") {
                    rank = 2;
                    const auto aspect = step.get_enum<std::string>(
                        "aspect_ratio_scale", "",
                        {{"greater", "greater"}, {"east_keep_aspect_ratio", "east_keep_aspect_ratio"}});
                    if (aspect == "east_keep_aspect_ratio") {
                        // EAST's text detector: the longer side limited, each side a multiple.
                        const auto [h, w] = step_size(step);
                        pre.resize_limit_multiple = std::make_pair(std::max(h, w), std::min(h, w));
                    } else if (aspect == "greater") {
                        // The shorter side becomes `size`, the other keeps the aspect ratio.
                        POT_CHECK_KIND(Config, step.has("size"), step.path(), "/aspect_ratio_scale: needs size");
                        pre.resize_shorter_side = step_size(step).first;
                    } else {
                        pre.resize = step_size(step);
                    }
                    step.get_enum<std::string>("interpolation", "LINEAR", {{"LINEAR", "LINEAR"}, {"BILINEAR", "LINEAR"}});
                    // Pillow's bilinear resize and OpenCV's agree up to rounding at these scales.
                    step.get_bool("use_pillow", false);
                } else if (type == "crop" && step.has("central_fraction")) {
                    rank = 1;
                    const double f = step.get_double("central_fraction", 1.0);
                    POT_CHECK_KIND(Config, f > 0 && f <= 1, step.path(), "/central_fraction: expected (0, 1], got ", f);
                    pre.crop_fraction = static_cast<float>(f);
                } else if (type == "crop") {
                    rank = 3;
                    pre.crop = step_size(step);
                    step.get_bool("use_pillow", false);
                } else if (type == "normalization") {
                    rank = 4;
                    if (step.has("mean")) pre.mean = channel_values(step.json().at("mean"), step.path() + "/mean");
                    if (step.has("std")) pre.scale = channel_values(step.json().at("std"), step.path() + "/std");
                    for (float s : pre.scale)
                        POT_CHECK_KIND(Config, std::fabs(s) >= 1e-6f, step.path(), "/std: values must not be zero");
                } else {
                    POT_THROW(Config, step.path(), "/type: '", type, "' is not in the supported subset (bgr_to_rgb, "
                              "rgb_to_bgr, resize, crop, normalization)");
                }
                POT_CHECK_KIND(Config, rank == 0 || rank > last_rank, step.path(), ": '", type, "' after a later "
                               "step; the order supported is crop by central_fraction, resize, crop to a size, "
                               "normalization");
                last_rank = std::max(last_rank, rank);
                step.reject_unknown();
            });
        }
    }

    void metrics(const Params& d, EngineConfig& out) {
        const auto& list = d.json().at("metrics");
        const std::string path = d.path() + "/metrics";
        if (!list.is_array()) return add(str_cat(path, ": expected a list"));
        for (size_t i = 0; i < list.size(); ++i) {
            check([&] {
                const Params m(list[i], str_cat(path, "/", i));
                MetricConfig metric;
                metric.path = m.path();
                metric.type = m.get_string("type", "");
                if (metric.type == "f1" || metric.type == "exact_match")
                    return question_answering_metric(m, std::move(metric), out);
                if (metric.type != "accuracy") {
                    return scoring_only(out, str_cat(m.path(), "/type: '", metric.type,
                                                     "' is not in the supported subset (accuracy; f1, exact_match)"));
                }
                metric.name = m.get_string("name", "");
                const int64_t top_k = m.get_int("top_k", 1);
                POT_CHECK_KIND(Config, top_k >= 1 && top_k <= 1000, m.path(), "/top_k: expected 1 to 1000, got ", top_k);
                metric.params_json = nlohmann::json{{"top_k", top_k}}.dump();
                for (const char* key : {"reference", "presenter"}) m.accept(key);
                m.reject_unknown();
                out.metrics.push_back(std::move(metric));
            });
        }
    }

    // SQuAD's f1 and exact_match: they score the answers extract_answers_tokens takes from the
    // logits bert_question_answering names.
    void question_answering_metric(const Params& m, MetricConfig metric, EngineConfig& out) {
        const std::string kind = metric.type;
        metric.name = m.get_string("name", "");
        // The expected value and its tolerance are Accuracy Checker's checks of its own run.
        for (const char* key : {"reference", "threshold", "presenter"}) m.accept(key);
        m.reject_unknown();
        if (!question_answering_)
            return scoring_only(out, str_cat(m.path(), "/type: '", kind, "' scores SQuAD answers: it needs the "
                                             "launcher's adapter bert_question_answering"));
        if (!answer_settings_)
            return scoring_only(out, str_cat(m.path(), "/type: '", kind, "' scores SQuAD answers: it needs the "
                                             "dataset's postprocessing extract_answers_tokens"));
        metric.type = kind == "f1" ? kSquadF1 : kSquadExactMatch;
        metric.params_json = nlohmann::json{{"score", kind},
                                            {"start_output", question_answering_->start_output},
                                            {"end_output", question_answering_->end_output},
                                            {"adapter_path", question_answering_->path},
                                            {"max_answer", answer_settings_->max_answer},
                                            {"n_best_size", answer_settings_->n_best_size}}
                                 .dump();
        out.metrics.push_back(std::move(metric));
    }

    struct QuestionAnsweringAdapter {
        std::string start_output, end_output, path;
    };

    std::string origin_;
    ConfigProblems& problems_;
    std::optional<QuestionAnsweringAdapter> question_answering_;
    std::optional<AnswerSettings> answer_settings_;
};

// The one element of list `key` of `object`.
std::optional<Params> only(const Params& object, const char* key, Reader& reader) {
    if (!object.has(key)) {
        reader.add(str_cat(object.path(), "/", key, ": required"));
        return std::nullopt;
    }
    const auto& list = object.json().at(key);
    if (!list.is_array() || list.size() != 1 || !list[0].is_object()) {
        reader.add(str_cat(object.path(), "/", key, ": expected a list of one entry (one is read), got ",
                           list.is_array() ? str_cat(list.size(), " entries") : list.dump()));
        return std::nullopt;
    }
    return Params(list[0], str_cat(object.path(), "/", key, "/0"));
}

// POT's datasets object: an "optimization" dataset for the statistics and an "evaluation" one
// for the accuracy, with a global "preprocessing" each may replace with its own.
void read_split_datasets(const Params& datasets, const std::filesystem::path& base, EngineConfig& out,
                         Reader& reader) {
    const auto with_global = [&](const char* key) {
        nlohmann::json entry = datasets.json().at(key);
        if (entry.is_object() && !entry.contains("preprocessing") && datasets.has("preprocessing"))
            entry["preprocessing"] = datasets.json().at("preprocessing");
        return entry;
    };
    datasets.accept("preprocessing");
    if (!datasets.has("optimization")) {
        reader.add(str_cat(datasets.path(), "/optimization: required (the dataset statistics are collected on)"));
        return;
    }
    const nlohmann::json optimization = with_global("optimization");
    datasets.accept("optimization");
    if (!optimization.is_object()) {
        reader.add(str_cat(datasets.path(), "/optimization: expected an object, got ", optimization.dump()));
        return;
    }
    reader.dataset(Params(optimization, datasets.path() + "/optimization"), base, out);
    if (datasets.has("evaluation")) {
        const nlohmann::json evaluation = with_global("evaluation");
        datasets.accept("evaluation");
        if (!evaluation.is_object()) {
            reader.add(str_cat(datasets.path(), "/evaluation: expected an object, got ", evaluation.dump()));
        } else {
            EngineConfig eval;
            const std::string path = datasets.path() + "/evaluation";
            reader.dataset(Params(evaluation, path), base, eval);
            out.evaluation_data_source = eval.data_source;
            out.scoring_unsupported.insert(out.scoring_unsupported.end(), eval.scoring_unsupported.begin(),
                                           eval.scoring_unsupported.end());
            out.evaluation_annotation = eval.annotation;
            if (out.metrics.empty()) out.metrics = eval.metrics;
            // One engine preprocesses both datasets alike.
            if (!(eval.preprocessing == out.preprocessing) || eval.label_offset != out.label_offset)
                reader.add(str_cat(path, ": its preprocessing (or has_background) differs from the optimization "
                                   "dataset's; both datasets are read with one preprocessing here, so give them the same"));
        }
    }
    reader.check([&] { datasets.reject_unknown(); });
}

void read_model(const Params& model, const std::filesystem::path& base, EngineConfig& out, Reader& reader) {
    if (auto l = only(model, "launchers", reader)) reader.launcher(*l, out);
    if (model.has("datasets") && model.json().at("datasets").is_object()) {
        read_split_datasets(model.child("datasets"), base, out, reader);
        return;
    }
    if (auto d = only(model, "datasets", reader)) reader.dataset(*d, base, out);
}

// An evaluator module's configuration (a cascade's: POT's MTCNN evaluator): its launchers and
// datasets read as a model's; the module itself is Python code of the Accuracy Checker, not run
// here, so each model of the cascade is calibrated on the dataset's images.
void read_module_config(const Params& module, const std::filesystem::path& base, EngineConfig& out,
                        Reader& reader) {
    const std::string name = module.has("module") ? module.json().at("module").dump() : "(none given)";
    module.accept("module");
    if (!module.has("module_config")) return reader.add(str_cat(module.path(), "/module_config: required"));
    const Params config = module.child("module_config");
    // Per-model inputs, outputs and preprocessing are the module's; the dataset's apply to all.
    config.accept("network_info");
    reader.warn(str_cat(module.path(), "/module ", name, ": evaluator modules are Accuracy Checker's Python code "
                          "and are not run here: every model of the cascade is calibrated on the dataset's images, "
                          "resized to its input, and compared with its own FP32 outputs"));
    read_model(config, base, out, reader);
    reader.check([&] { config.reject_unknown(); });
}

}  // namespace

void read_accuracy_checker(const Params& engine, const std::filesystem::path& base_dir, EngineConfig& out,
                           ConfigProblems& problems) {
    out.type = "accuracy_checker";
    if (engine.has("config")) {
        std::filesystem::path file;
        nlohmann::json yaml;
        problems.check([&] {
            file = resolve(base_dir, engine.get_string("config", ""));
            yaml = read_yaml(file);
        });
        if (yaml.is_null()) return;
        // POT reads the file when both are given (its spec file shows them as alternatives).
        const auto ignored = accept_ignored(engine, {"launchers", "datasets", "module", "module_config"}, "/engine");
        if (!ignored.empty())
            problems.warn(str_cat(ignored, ": ignored: /engine/config names the Accuracy Checker file, which is "
                                  "read instead"));
        Reader reader(file.string(), problems);
        reader.check([&] {
            const Params root(yaml, "");
            if (root.has("evaluations")) {
                if (const auto module = only(root, "evaluations", reader)) {
                    module->get_string("name", "");
                    read_module_config(*module, file.parent_path(), out, reader);
                    reader.check([&] { module->reject_unknown(); });
                }
            } else if (const auto model = only(root, "models", reader)) {
                model->get_string("name", "");
                read_model(*model, file.parent_path(), out, reader);
                reader.check([&] { model->reject_unknown(); });
            }
            root.accept("global_definitions");
            reader.check([&] { root.reject_unknown(); });
        });
        return;
    }
    Reader reader("", problems);
    if (engine.has("module") || engine.has("module_config")) return read_module_config(engine, base_dir, out, reader);
    if (engine.has("models")) {
        const auto model = only(engine, "models", reader);
        if (model) {
            model->get_string("name", "");
            read_model(*model, base_dir, out, reader);
            reader.check([&] { model->reject_unknown(); });
        }
        return;
    }
    read_model(engine, base_dir, out, reader);
}

}  // namespace pot::core
