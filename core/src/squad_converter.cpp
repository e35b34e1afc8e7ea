#include "squad_converter.hpp"

#include <algorithm>

#include "pot/error.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

namespace {

// SQuAD v1.1's dev file is 4.9 MB.
constexpr uint64_t kMaxSquadBytes = uint64_t{512} << 20;
// [CLS], and a [SEP] after each of the two segments.
constexpr int64_t kAddedTokens = 3;

// The context's words as SQuAD's converter splits them: on whitespace (and U+202F, which its
// contexts use between numbers and units).
std::vector<std::string> context_words(const std::string& context) {
    std::vector<std::string> out;
    std::string word;
    const auto flush = [&] {
        if (!word.empty()) out.push_back(std::move(word));
        word.clear();
    };
    for (size_t i = 0; i < context.size(); ++i) {
        const char c = context[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            flush();
        } else if (context.compare(i, 3, "\xE2\x80\xAF") == 0) {
            flush();
            i += 2;
        } else {
            word += c;
        }
    }
    flush();
    return out;
}

// BERT's reference: of the windows holding context token `position`, the one where it has the
// most context on its shorter side (longer windows win ties by a hair).
bool is_max_context(int64_t window, int64_t position, int64_t doc_stride, int64_t window_tokens, int64_t doc_len) {
    double best_score = -1;
    int64_t best = -1;
    for (int64_t w = 0, start = 0; start < doc_len; ++w, start += doc_stride) {
        const int64_t length = std::min(window_tokens, doc_len - start);
        const int64_t end = start + length - 1;
        if (position >= start && position <= end) {
            const double score =
                static_cast<double>(std::min(position - start, end - position)) + 0.01 * static_cast<double>(length);
            if (score > best_score) {
                best_score = score;
                best = w;
            }
        }
        if (start + length >= doc_len) break;
    }
    return best == window;
}

Tensor row(const std::vector<int64_t>& values) {
    return Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values);
}

}  // namespace

std::vector<AnnotationRecord> squad_question_features(const WordPieceTokenizer& tokenizer, const std::string& question,
                                                      const std::string& context, const SquadSettings& settings,
                                                      const std::string& id_prefix) {
    auto query_tokens = tokenizer.tokenize(question);
    if (static_cast<int64_t>(query_tokens.size()) > settings.max_query_length)
        query_tokens.resize(static_cast<size_t>(settings.max_query_length));
    const auto query = tokenizer.ids(query_tokens);
    QuestionAnsweringRecord shared;
    shared.context_words = context_words(context);
    shared.lower_case = tokenizer.lower_case();
    std::vector<std::string> doc_tokens;
    std::vector<int64_t> doc_token_word;
    for (size_t w = 0; w < shared.context_words.size(); ++w)
        for (auto& piece : tokenizer.tokenize(shared.context_words[w])) {
            doc_tokens.push_back(std::move(piece));
            doc_token_word.push_back(static_cast<int64_t>(w));
        }
    const auto doc = tokenizer.ids(doc_tokens);
    const auto query_len = static_cast<int64_t>(query.size());
    const int64_t window = settings.max_seq_length - query_len - kAddedTokens;
    POT_CHECK_KIND(Config, window >= settings.doc_stride, "squad: max_seq_length ", settings.max_seq_length,
                   " leaves ", window, " tokens of context beside a question of ", query_len,
                   " tokens, fewer than doc_stride (", settings.doc_stride,
                   "): windows would skip context; raise max_seq_length or lower max_query_length or doc_stride");
    std::vector<AnnotationRecord> out;
    const auto doc_len = static_cast<int64_t>(doc.size());
    for (int64_t start = 0; start < doc_len; start += settings.doc_stride) {
        const int64_t length = std::min(window, doc_len - start);
        std::vector<int64_t> ids{tokenizer.cls_id()};
        ids.insert(ids.end(), query.begin(), query.end());
        ids.push_back(tokenizer.sep_id());
        std::vector<int64_t> segments(ids.size(), 0);
        QuestionAnsweringRecord qa = shared;
        qa.tokens.push_back("[CLS]");
        qa.tokens.insert(qa.tokens.end(), query_tokens.begin(), query_tokens.end());
        qa.tokens.push_back("[SEP]");
        const auto first = static_cast<int64_t>(ids.size());
        for (int64_t k = 0; k < length; ++k) {
            qa.token_to_word[first + k] = doc_token_word[static_cast<size_t>(start + k)];
            qa.token_is_max_context[first + k] =
                is_max_context(static_cast<int64_t>(out.size()), start + k, settings.doc_stride, window, doc_len);
            qa.tokens.push_back(doc_tokens[static_cast<size_t>(start + k)]);
        }
        qa.tokens.push_back("[SEP]");
        ids.insert(ids.end(), doc.begin() + start, doc.begin() + start + length);
        ids.push_back(tokenizer.sep_id());
        segments.resize(ids.size(), 1);
        std::vector<int64_t> mask(ids.size(), 1);
        const auto seq = static_cast<size_t>(settings.max_seq_length);
        ids.resize(seq, tokenizer.pad_id());
        segments.resize(seq, 0);
        mask.resize(seq, 0);
        std::vector<int64_t> positions(seq);
        for (size_t i = 0; i < seq; ++i) positions[i] = static_cast<int64_t>(i);
        AnnotationRecord r;
        r.id = str_cat(id_prefix, "_", out.size());
        r.arrays.emplace("input_ids", row(ids));
        r.arrays.emplace("input_mask", row(mask));
        r.arrays.emplace("segment_ids", row(segments));
        r.arrays.emplace("position_ids", row(positions));
        r.question_answering = std::move(qa);
        out.push_back(std::move(r));
        if (start + length >= doc_len) break;
    }
    return out;
}

std::vector<AnnotationRecord> squad_features(const std::filesystem::path& testing_file,
                                             const WordPieceTokenizer& tokenizer, const SquadSettings& settings) {
    const std::string origin = testing_file.string();
    const auto json = parse_json(read_file_bounded(testing_file, kMaxSquadBytes, "SQuAD file"), origin, ErrorKind::Input);
    const auto list = [&](const nlohmann::json& object, const char* key, const std::string& path) -> const nlohmann::json& {
        POT_CHECK_KIND(Input, object.is_object() && object.contains(key) && object.at(key).is_array(), origin, ": ",
                       path, "/", key, ": expected a list (a SQuAD file holds data / paragraphs / qas)");
        return object.at(key);
    };
    const auto text = [&](const nlohmann::json& object, const char* key, const std::string& path) {
        POT_CHECK_KIND(Input, object.contains(key) && object.at(key).is_string(), origin, ": ", path, "/", key,
                       ": expected a string");
        return object.at(key).get<std::string>();
    };
    std::vector<AnnotationRecord> out;
    size_t question_index = 0;
    const auto& data = list(json, "data", "");
    for (size_t d = 0; d < data.size(); ++d) {
        const std::string data_path = str_cat("/data/", d);
        const auto& paragraphs = list(data[d], "paragraphs", data_path);
        for (size_t p = 0; p < paragraphs.size(); ++p) {
            const std::string paragraph_path = str_cat(data_path, "/paragraphs/", p);
            const std::string context = text(paragraphs[p], "context", paragraph_path);
            const auto& qas = list(paragraphs[p], "qas", paragraph_path);
            for (size_t q = 0; q < qas.size(); ++q) {
                const std::string qa_path = str_cat(paragraph_path, "/qas/", q);
                const std::string question = text(qas[q], "question", qa_path);
                const std::string id = qas[q].contains("id") ? text(qas[q], "id", qa_path) : std::to_string(question_index);
                std::vector<std::string> answers;
                if (qas[q].contains("answers")) {
                    const auto& list_of_answers = list(qas[q], "answers", qa_path);
                    for (size_t a = 0; a < list_of_answers.size(); ++a)
                        answers.push_back(text(list_of_answers[a], "text", str_cat(qa_path, "/answers/", a)));
                }
                auto features =
                    squad_question_features(tokenizer, question, context, settings, std::to_string(question_index++));
                for (auto& f : features) {
                    f.question_answering->question_id = id;
                    f.question_answering->gold_answers = answers;
                }
                std::move(features.begin(), features.end(), std::back_inserter(out));
            }
        }
    }
    POT_CHECK_KIND(Input, !out.empty(), origin, ": no question with a non-empty context");
    return out;
}

}  // namespace pot::core
