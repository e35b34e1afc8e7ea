#include "annotation_dataset.hpp"

#include <algorithm>
#include <regex>

#include "annotation_pickle.hpp"
#include "config_problems.hpp"
#include "movie_lens_converter.hpp"
#include "pot/error.hpp"
#include "question_answering_metric.hpp"
#include "squad_converter.hpp"

namespace pot::core {

namespace fs = std::filesystem;

namespace {

std::string names_of(const std::vector<ValueInfo>& inputs) {
    std::string out;
    for (const auto& in : inputs) out += str_cat(out.empty() ? "'" : ", '", in.name, "'");
    return out;
}

// A CONST_INPUT's value: a number or nested lists of numbers, as f32 of the lists' shape.
Tensor constant_of(const InputBinding& b) {
    const auto json = nlohmann::json::parse(b.value, nullptr, false);
    Shape shape;
    const nlohmann::json* level = &json;
    while (level->is_array()) {
        POT_CHECK_KIND(Config, !level->empty(), b.path, "/value: an empty list");
        shape.push_back(static_cast<int64_t>(level->size()));
        level = &level->front();
    }
    std::vector<float> values;
    const auto flatten = [&](const auto& self, const nlohmann::json& v, size_t depth) -> void {
        if (depth == shape.size()) {
            POT_CHECK_KIND(Config, v.is_number(), b.path, "/value: expected numbers, got ", v.dump());
            values.push_back(v.get<float>());
            return;
        }
        POT_CHECK_KIND(Config, v.is_array() && static_cast<int64_t>(v.size()) == shape[depth], b.path,
                       "/value: lists of unequal lengths");
        for (const auto& item : v) self(self, item, depth + 1);
    };
    flatten(flatten, json, 0);
    return Tensor::from_vector<float>(shape, values);
}

Tensor fitted(Tensor t, const InputBinding* b, const ValueInfo& input, const std::string& what) {
    if (b && !b->shape.empty()) {
        int64_t count = 1;
        for (int64_t d : b->shape) count *= d;
        POT_CHECK_KIND(Config, count == t.numel(), b->path, "/shape: ", shape_str(b->shape), " holds ", count,
                       " values, ", what, " has ", t.numel(), " (shape ", shape_str(t.shape()), ")");
        t = t.reshaped(b->shape);
    }
    POT_CHECK_KIND(Input, (t.dtype() == DType::Bool) == (input.dtype == DType::Bool), what, " holds ",
                   dtype_name(t.dtype()), " values, model input '", input.name, "' takes ", dtype_name(input.dtype));
    if (t.dtype() != input.dtype) t = t.cast(input.dtype);
    if (t.rank() + 1 == static_cast<int64_t>(input.shape.size())) {
        Shape s{1};
        s.insert(s.end(), t.shape().begin(), t.shape().end());
        t = t.reshaped(s);
    }
    bool fits = t.rank() == static_cast<int64_t>(input.shape.size());
    for (size_t i = 0; fits && i < input.shape.size(); ++i) fits = input.shape[i] < 0 || input.shape[i] == t.shape()[i];
    POT_CHECK_KIND(Input, fits, what, " of shape ", shape_str(t.shape()), " does not fit model input '", input.name,
                   "' of shape ", shape_str(input.shape));
    return t;
}

const InputBinding* binding_for(const std::vector<InputBinding>& bindings, const std::string& name) {
    for (const auto& b : bindings)
        if (b.name == name) return &b;
    return nullptr;
}

std::vector<DataEntry> entries_of(const AnnotationRecord& r, const AnnotationData& data) {
    std::vector<DataEntry> out;
    for (const auto& feature : data.features) {
        const auto it = r.arrays.find(feature);
        if (it == r.arrays.end()) {
            std::string have;
            for (const auto& [name, _] : r.arrays) have += str_cat(have.empty() ? "" : ", ", name);
            POT_THROW(Config, data.path, "/reader/features: annotation ", r.id, " has no array '", feature,
                      "' (it has: ", have.empty() ? "none" : have, ")");
        }
        out.push_back({feature + "_" + r.id, it->second});
    }
    return out;
}

std::string file_identity(const fs::path& f) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
    return str_cat(f.string(), "|", size, "|", time, "\n");
}

class AnnotationDataset final : public DataLoader {
public:
    AnnotationDataset(const EngineConfig& config, std::vector<ValueInfo> inputs)
        : data_(*config.annotation_data), bindings_(config.input_bindings), inputs_(std::move(inputs)) {
        for (const auto& m : config.metrics)
            if (m.type == kSquadF1 || m.type == kSquadExactMatch) answers_needed_by_ = m.path;
        check_input_bindings(bindings_, inputs_);
        const auto path_param = [&](const char* key) {
            POT_CHECK_KIND(Config, data_.params.contains(key) && data_.params.at(key).is_string(), data_.path,
                           "/annotation_conversion/", key, ": required");
            const fs::path p = data_.params.at(key).get<std::string>();
            identity_ += file_identity(p);
            return p;
        };
        const auto int_param = [&](const char* key, int64_t fallback) {
            return data_.params.contains(key) ? data_.params.at(key).get<int64_t>() : fallback;
        };
        std::string source;
        if (data_.converter == "squad") {
            const auto vocab = path_param("vocab_file");
            const auto testing = path_param("testing_file");
            const bool lower = data_.params.value("lower_case", false);
            SquadSettings s;
            s.max_seq_length = int_param("max_seq_length", s.max_seq_length);
            s.max_query_length = int_param("max_query_length", s.max_query_length);
            s.doc_stride = int_param("doc_stride", s.doc_stride);
            add_records(squad_features(testing, WordPieceTokenizer::from_file(vocab, lower), s), testing.string());
            source = str_cat("BERT features of ", testing.string());
        } else if (data_.converter == "movie_lens_converter") {
            const auto ratings = path_param("rating_file");
            const auto negatives = path_param("negative_file");
            std::optional<int64_t> users;
            if (data_.params.contains("users_max_number")) users = int_param("users_max_number", 0);
            samples_ = movie_lens_samples(ratings, negatives, users);
            source = str_cat("user and item pairs of ", ratings.string(), " and ", negatives.string());
        } else {
            POT_CHECK(data_.pickle.has_value(), data_.path, ": no annotation source");
            identity_ += file_identity(*data_.pickle);
            add_records(read_annotation_pickle(*data_.pickle), data_.pickle->string());
            source = str_cat("annotations of ", data_.pickle->string());
        }
        answers_.resize(samples_.size());
        POT_CHECK_KIND(Input, !samples_.empty(), data_.path, ": the annotations give no samples");
        describe_ = str_cat(samples_.size(), " samples: ", source, " (", data_.reader, ")");
        identity_ += data_.params.dump() + data_.reader;
        for (const auto& f : data_.features) identity_ += "|" + f;
        for (const auto& b : bindings_) identity_ += str_cat("|", b.name, "=", b.type, ":", b.value, ":", shape_str(b.shape));
        // Every sample fits the model, checked once here rather than in the middle of a run.
        bind_inputs(samples_.front(), bindings_, inputs_, str_cat(data_.path, ": sample 0"));
    }
    size_t size() const override { return samples_.size(); }
    std::string describe() const override { return describe_; }
    std::string identity() const override { return identity_; }
    Sample get(size_t index) const override {
        Sample s;
        s.index = index;
        s.inputs = bind_inputs(samples_.at(index), bindings_, inputs_, str_cat(data_.path, ": sample ", index));
        if (const auto& qa = answers_.at(index)) s.annotation = Annotation::of_json(question_answering_json(*qa));
        return s;
    }

private:
    // The samples of `records`, with their SQuAD annotations; `origin` names the file they came
    // from. Metrics scoring answers need every record to carry them.
    void add_records(std::vector<AnnotationRecord> records, const std::string& origin) {
        for (auto& r : records) {
            if (!answers_needed_by_.empty() && !r.question_answering) {
                std::string missing;
                for (const auto& key : r.question_answering_missing) missing += str_cat(missing.empty() ? "'" : ", '", key, "'");
                POT_THROW(Input, origin, ": annotation ", r.id, " has no ", missing.empty() ? "SQuAD answer data" : missing,
                          ", which ", answers_needed_by_, " needs to score answers (Accuracy Checker's squad "
                          "converter writes question_id, orig_answer_text, doc_tokens, tokens, token_to_orig_map and "
                          "token_is_max_context); convert the SQuAD file again or give annotation_conversion");
            }
            samples_.push_back(entries_of(r, data_));
            answers_.push_back(std::move(r.question_answering));
        }
    }

    std::vector<std::optional<QuestionAnsweringRecord>> answers_;
    std::string answers_needed_by_;
    AnnotationData data_;
    std::vector<InputBinding> bindings_;
    std::vector<ValueInfo> inputs_;
    std::vector<std::vector<DataEntry>> samples_;
    std::string describe_, identity_;
};

}  // namespace

void check_input_bindings(const std::vector<InputBinding>& bindings, const std::vector<ValueInfo>& inputs) {
    if (bindings.empty()) return;
    ConfigProblems problems;
    for (const auto& b : bindings) {
        const bool known = std::any_of(inputs.begin(), inputs.end(), [&](const ValueInfo& in) { return in.name == b.name; });
        if (!known)
            problems.add(str_cat(b.path, "/name: the model has no input '", b.name, "' (its inputs: ", names_of(inputs), ")"));
    }
    const std::string where = bindings.front().path.substr(0, bindings.front().path.rfind('/'));
    for (const auto& in : inputs)
        if (!binding_for(bindings, in.name))
            problems.add(str_cat(where, ": no entry names model input '", in.name,
                                 "'; give each model input an entry (name, type, value)"));
    problems.throw_if_any("");
}

std::vector<Tensor> bind_inputs(const std::vector<DataEntry>& entries, const std::vector<InputBinding>& bindings,
                                const std::vector<ValueInfo>& inputs, const std::string& origin) {
    std::vector<Tensor> out;
    if (bindings.empty()) {
        POT_CHECK_KIND(Config, inputs.size() == 1 && entries.size() == 1, origin, ": ", entries.size(),
                       " data entries for ", inputs.size(), " model inputs (", names_of(inputs),
                       "); say which feeds which in the launcher's inputs (name, type: INPUT, value: a regex of the "
                       "data identifier)");
        out.push_back(fitted(entries.front().value, nullptr, inputs.front(), str_cat(origin, " '", entries.front().identifier, "'")));
        return out;
    }
    for (const auto& in : inputs) {
        const InputBinding* b = binding_for(bindings, in.name);
        POT_CHECK_KIND(Config, b != nullptr, origin, ": no launcher input entry names model input '", in.name, "'");
        if (b->type == "CONST_INPUT") {
            out.push_back(fitted(constant_of(*b), b, in, str_cat(b->path, "/value")));
            continue;
        }
        std::regex re;
        try {
            re = std::regex(b->value);
        } catch (const std::regex_error& e) {
            POT_THROW(Config, b->path, "/value: '", b->value, "' is not a regular expression: ", e.what());
        }
        const DataEntry* match = nullptr;
        for (const auto& e : entries)
            if (std::regex_search(e.identifier, re, std::regex_constants::match_continuous)) {
                match = &e;
                break;
            }
        if (!match) {
            std::string ids;
            for (const auto& e : entries) ids += str_cat(ids.empty() ? "'" : ", '", e.identifier, "'");
            POT_THROW(Config, b->path, "/value: '", b->value, "' matches none of the data identifiers of ", origin,
                      " (", ids, "), so model input '", in.name, "' has no data");
        }
        out.push_back(fitted(match->value, b, in, str_cat(origin, " '", match->identifier, "'")));
    }
    return out;
}

std::unique_ptr<DataLoader> open_annotation_dataset(const EngineConfig& config, const std::vector<ValueInfo>& inputs) {
    POT_CHECK(config.annotation_data.has_value(), "open_annotation_dataset: the engine's data are not annotations");
    return std::make_unique<AnnotationDataset>(config, inputs);
}

}  // namespace pot::core
