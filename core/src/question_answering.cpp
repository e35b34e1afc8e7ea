#include "question_answering.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <sstream>

#include "pot/error.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

namespace {

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(std::move(w));
    return out;
}

std::string join(const std::vector<std::string>& words, size_t first, size_t last) {
    std::string out;
    for (size_t k = first; k <= last && k < words.size(); ++k) {
        if (k > first) out += ' ';
        out += words[k];
    }
    return out;
}

// The text without its spaces, and for each of its characters the index it had.
std::pair<std::string, std::vector<size_t>> without_spaces(const std::string& text) {
    std::pair<std::string, std::vector<size_t>> out;
    for (size_t i = 0; i < text.size(); ++i)
        if (text[i] != ' ') {
            out.first += text[i];
            out.second.push_back(i);
        }
    return out;
}

// Positions of the `n` highest logits, highest first; equal logits keep their order.
std::vector<int64_t> best_positions(const std::vector<float>& logits, int64_t n) {
    std::vector<int64_t> order(logits.size());
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)];
    });
    if (static_cast<int64_t>(order.size()) > n) order.resize(static_cast<size_t>(n));
    return order;
}

// BERT's get_final_text: `predicted` (the span's pieces joined back into words) found in the
// basic tokenization of `original`, and its ends carried over to `original` by aligning the two
// without spaces. Anything that does not line up answers with all of `original`.
std::string final_text(const std::string& predicted, const std::string& original, const WordPieceTokenizer& basic) {
    const auto tokens = basic.basic_tokens(original);
    const std::string tokenized = tokens.empty() ? std::string() : join(tokens, 0, tokens.size() - 1);
    const size_t start = tokenized.find(predicted);
    if (predicted.empty() || start == std::string::npos) return original;
    const size_t end = start + predicted.size() - 1;
    // Plain variables rather than structured bindings: Clang 14 (the fuzz build) cannot capture
    // those in the lambda below.
    const auto orig = without_spaces(original);
    const auto tok = without_spaces(tokenized);
    const auto& orig_index = orig.second;
    const auto& tok_index = tok.second;
    if (orig.first.size() != tok.first.size()) return original;
    const auto to_original = [&](size_t tok_position) -> std::optional<size_t> {
        const auto it = std::lower_bound(tok_index.begin(), tok_index.end(), tok_position);
        if (it == tok_index.end() || *it != tok_position) return std::nullopt;
        return orig_index[static_cast<size_t>(it - tok_index.begin())];
    };
    const auto first = to_original(start), last = to_original(end);
    if (!first || !last) return original;
    return original.substr(*first, *last - *first + 1);
}

}  // namespace

std::string normalize_answer(const std::string& text) {
    std::string kept;
    for (unsigned char c : text)
        if (!std::ispunct(c)) kept += static_cast<char>(std::tolower(c));
    // Articles go where they are whole words, leaving a space (SQuAD's \b(a|an|the)\b).
    std::string no_articles;
    for (size_t i = 0; i < kept.size();) {
        if (!is_word_byte(static_cast<unsigned char>(kept[i]))) {
            no_articles += kept[i++];
            continue;
        }
        size_t j = i;
        while (j < kept.size() && is_word_byte(static_cast<unsigned char>(kept[j]))) ++j;
        const std::string word = kept.substr(i, j - i);
        no_articles += word == "a" || word == "an" || word == "the" ? std::string(" ") : word;
        i = j;
    }
    const auto words = split_words(no_articles);
    return words.empty() ? std::string() : join(words, 0, words.size() - 1);
}

double answer_f1(const std::string& gold, const std::string& predicted) {
    const auto gold_words = split_words(normalize_answer(gold));
    const auto predicted_words = split_words(normalize_answer(predicted));
    if (gold_words.empty() || predicted_words.empty()) return gold_words == predicted_words ? 1.0 : 0.0;
    std::map<std::string, int64_t> counts;
    for (const auto& w : gold_words) ++counts[w];
    int64_t same = 0;
    for (const auto& w : predicted_words)
        if (auto it = counts.find(w); it != counts.end() && it->second > 0) {
            --it->second;
            ++same;
        }
    if (same == 0) return 0.0;
    const double precision = static_cast<double>(same) / static_cast<double>(predicted_words.size());
    const double recall = static_cast<double>(same) / static_cast<double>(gold_words.size());
    return 2 * precision * recall / (precision + recall);
}

double answer_exact_match(const std::string& gold, const std::string& predicted) {
    return normalize_answer(gold) == normalize_answer(predicted) ? 1.0 : 0.0;
}

namespace {

template <typename Score>
double best_over_golds(const std::vector<std::string>& golds, const std::string& predicted, Score score) {
    std::vector<std::string> kept;
    for (const auto& g : golds)
        if (!normalize_answer(g).empty()) kept.push_back(g);
    if (kept.empty()) kept.emplace_back();
    double best = 0;
    for (const auto& g : kept) best = std::max(best, score(g, predicted));
    return best;
}

}  // namespace

double best_answer_f1(const std::vector<std::string>& golds, const std::string& predicted) {
    return best_over_golds(golds, predicted, answer_f1);
}

double best_answer_exact_match(const std::vector<std::string>& golds, const std::string& predicted) {
    return best_over_golds(golds, predicted, answer_exact_match);
}

std::optional<AnswerSpan> best_answer_span(const std::vector<float>& start_logits,
                                           const std::vector<float>& end_logits, const QuestionAnsweringRecord& qa,
                                           const AnswerSettings& settings) {
    const auto token_count = static_cast<int64_t>(qa.tokens.size());
    const auto answers = [&](int64_t start, int64_t end) {
        if (start >= token_count || end >= token_count || end < start || end - start + 1 > settings.max_answer)
            return false;
        if (!qa.token_to_word.count(start) || !qa.token_to_word.count(end)) return false;
        const auto max_context = qa.token_is_max_context.find(start);
        return max_context != qa.token_is_max_context.end() && max_context->second;
    };
    std::optional<AnswerSpan> best;
    const auto ends = best_positions(end_logits, settings.n_best_size);
    for (int64_t start : best_positions(start_logits, settings.n_best_size))
        for (int64_t end : ends) {
            if (!answers(start, end)) continue;
            const double score = static_cast<double>(start_logits[static_cast<size_t>(start)]) +
                                 static_cast<double>(end_logits[static_cast<size_t>(end)]);
            // Strictly greater: of equal scores the pair met first wins, as a stable sort keeps it.
            if (!best || score > best->score) best = AnswerSpan{start, end, score};
        }
    return best;
}

std::string answer_text(const QuestionAnsweringRecord& qa, const AnswerSpan& span, const WordPieceTokenizer& basic) {
    POT_CHECK(qa.token_to_word.count(span.start) && qa.token_to_word.count(span.end) && span.start <= span.end,
              "answer span [", span.start, ", ", span.end, "] is not inside the context window");
    std::string pieces = join(qa.tokens, static_cast<size_t>(span.start), static_cast<size_t>(span.end));
    for (size_t at; (at = pieces.find(" ##")) != std::string::npos;) pieces.erase(at, 3);
    const auto words = split_words(pieces);
    const std::string predicted = words.empty() ? std::string() : join(words, 0, words.size() - 1);
    const std::string original = join(qa.context_words, static_cast<size_t>(qa.token_to_word.at(span.start)),
                                      static_cast<size_t>(qa.token_to_word.at(span.end)));
    return final_text(predicted, original, basic);
}

std::string question_answering_json(const QuestionAnsweringRecord& qa) {
    nlohmann::json map = nlohmann::json::array(), max_context = nlohmann::json::array();
    for (const auto& [position, word] : qa.token_to_word) map.push_back({position, word});
    for (const auto& [position, flag] : qa.token_is_max_context)
        if (flag) max_context.push_back(position);
    return nlohmann::json{{"question_id", qa.question_id}, {"answers", qa.gold_answers},
                          {"words", qa.context_words},     {"tokens", qa.tokens},
                          {"token_to_word", map},          {"max_context", max_context},
                          {"lower_case", qa.lower_case}}
        .dump();
}

QuestionAnsweringRecord question_answering_from_json(const std::string& json_text, const std::string& origin) {
    const auto json = parse_json(json_text, origin, ErrorKind::Input);
    const auto at = [&](const char* key) -> const nlohmann::json& {
        POT_CHECK_KIND(Input, json.is_object() && json.contains(key), origin, ": the SQuAD annotation has no '", key,
                       "'");
        return json.at(key);
    };
    QuestionAnsweringRecord qa;
    try {
        qa.question_id = at("question_id").get<std::string>();
        qa.gold_answers = at("answers").get<std::vector<std::string>>();
        qa.context_words = at("words").get<std::vector<std::string>>();
        qa.tokens = at("tokens").get<std::vector<std::string>>();
        for (const auto& pair : at("token_to_word")) qa.token_to_word[pair.at(0).get<int64_t>()] = pair.at(1).get<int64_t>();
        for (const auto& position : at("max_context")) qa.token_is_max_context[position.get<int64_t>()] = true;
        qa.lower_case = at("lower_case").get<bool>();
    } catch (const nlohmann::json::exception& e) {
        POT_THROW(Input, origin, ": malformed SQuAD annotation: ", e.what());
    }
    for (const auto& [position, word] : qa.token_to_word)
        POT_CHECK_KIND(Input, word >= 0 && word < static_cast<int64_t>(qa.context_words.size()), origin,
                       ": token ", position, " maps to word ", word, " of ", qa.context_words.size());
    return qa;
}

}  // namespace pot::core
