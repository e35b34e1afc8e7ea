#include "wordpiece_tokenizer.hpp"

#include <sstream>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace pot::core {

namespace {

// BERT's vocabularies are about 230 KiB; multilingual ones a few MiB.
constexpr uint64_t kMaxVocabBytes = uint64_t{64} << 20;
// BERT gives a longer word [UNK] whole rather than searching it piece by piece.
constexpr size_t kMaxWordChars = 100;

bool is_whitespace(UChar32 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_charType(c) == U_SPACE_SEPARATOR;
}

bool is_control(UChar32 c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    const auto type = u_charType(c);
    return type == U_CONTROL_CHAR || type == U_FORMAT_CHAR;
}

// BERT counts every non-alphanumeric ASCII character as punctuation ($, ^, `), not only
// Unicode's P categories.
bool is_punctuation(UChar32 c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
    switch (u_charType(c)) {
        case U_DASH_PUNCTUATION:
        case U_START_PUNCTUATION:
        case U_END_PUNCTUATION:
        case U_CONNECTOR_PUNCTUATION:
        case U_OTHER_PUNCTUATION:
        case U_INITIAL_PUNCTUATION:
        case U_FINAL_PUNCTUATION:
            return true;
        default:
            return false;
    }
}

// The CJK Unified Ideographs blocks BERT splits character by character (not Hangul or kana,
// which are written with spaces).
bool is_cjk(UChar32 c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::string to_utf8(const icu::UnicodeString& s) {
    std::string out;
    s.toUTF8String(out);
    return out;
}

// Lower case, then accents stripped: decomposed (NFD) with the combining marks dropped.
icu::UnicodeString lower_without_accents(icu::UnicodeString word) {
    word.toLower(icu::Locale::getRoot());
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    POT_CHECK(U_SUCCESS(status), "ICU has no NFD normalizer: ", u_errorName(status));
    const icu::UnicodeString decomposed = nfd->normalize(word, status);
    POT_CHECK(U_SUCCESS(status), "ICU failed to normalize a word: ", u_errorName(status));
    icu::UnicodeString out;
    for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
        const UChar32 c = decomposed.char32At(i);
        if (u_charType(c) != U_NON_SPACING_MARK) out.append(c);
    }
    return out;
}

int64_t special_id(const std::unordered_map<std::string, int64_t>& vocab, const char* token, const std::string& origin) {
    const auto it = vocab.find(token);
    POT_CHECK_KIND(Input, it != vocab.end(), origin, ": the vocabulary has no ", token,
                   " token, which BERT's inputs need");
    return it->second;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(const std::vector<std::string>& vocab, bool lower_case, const std::string& origin)
    : lower_case_(lower_case), origin_(origin) {
    for (size_t i = 0; i < vocab.size(); ++i) vocab_.emplace(vocab[i], static_cast<int64_t>(i));
    special_id(vocab_, "[UNK]", origin_);
    cls_id_ = special_id(vocab_, "[CLS]", origin_);
    sep_id_ = special_id(vocab_, "[SEP]", origin_);
    pad_id_ = special_id(vocab_, "[PAD]", origin_);
}

WordPieceTokenizer WordPieceTokenizer::from_file(const std::filesystem::path& vocab_file, bool lower_case) {
    std::istringstream in(read_file_bounded(vocab_file, kMaxVocabBytes, "vocabulary file"));
    std::vector<std::string> vocab;
    // BERT strips each line: a token never holds surrounding whitespace.
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find_first_not_of(" \t\r");
        const auto last = line.find_last_not_of(" \t\r");
        vocab.push_back(first == std::string::npos ? std::string() : line.substr(first, last - first + 1));
    }
    return WordPieceTokenizer(vocab, lower_case, vocab_file.string());
}

std::vector<std::string> WordPieceTokenizer::basic_tokens(const std::string& text) const {
    const icu::UnicodeString src = icu::UnicodeString::fromUTF8(text);
    std::vector<std::string> out;
    icu::UnicodeString word;
    const auto finish_word = [&] {
        if (word.isEmpty()) return;
        const icu::UnicodeString w = lower_case_ ? lower_without_accents(word) : word;
        word.remove();
        // Punctuation splits the word after lower-casing, as in BERT (accents may have hidden it).
        icu::UnicodeString piece;
        for (int32_t i = 0; i < w.length(); i = w.moveIndex32(i, 1)) {
            const UChar32 c = w.char32At(i);
            if (!is_punctuation(c)) {
                piece.append(c);
                continue;
            }
            if (!piece.isEmpty()) out.push_back(to_utf8(piece));
            piece.remove();
            out.push_back(to_utf8(icu::UnicodeString(c)));
        }
        if (!piece.isEmpty()) out.push_back(to_utf8(piece));
    };
    for (int32_t i = 0; i < src.length(); i = src.moveIndex32(i, 1)) {
        const UChar32 c = src.char32At(i);
        if (c == 0 || c == 0xFFFD || is_control(c)) continue;
        if (is_whitespace(c)) {
            finish_word();
        } else if (is_cjk(c)) {
            finish_word();
            word.append(c);
            finish_word();
        } else {
            word.append(c);
        }
    }
    finish_word();
    return out;
}

void WordPieceTokenizer::word_pieces(const std::string& word, std::vector<std::string>& out) const {
    const icu::UnicodeString w = icu::UnicodeString::fromUTF8(word);
    const int32_t chars = w.countChar32();
    if (static_cast<size_t>(chars) > kMaxWordChars) {
        out.push_back("[UNK]");
        return;
    }
    // Offsets (in UTF-16 units) of each character, so pieces never split a surrogate pair.
    std::vector<int32_t> at;
    for (int32_t i = 0; i < w.length(); i = w.moveIndex32(i, 1)) at.push_back(i);
    at.push_back(w.length());
    std::vector<std::string> pieces;
    for (size_t start = 0; start + 1 < at.size();) {
        size_t end = at.size() - 1;
        std::string found;
        for (; end > start; --end) {
            std::string piece = (start > 0 ? "##" : "") + to_utf8(w.tempSubStringBetween(at[start], at[end]));
            if (vocab_.count(piece)) {
                found = std::move(piece);
                break;
            }
        }
        if (found.empty()) {
            out.push_back("[UNK]");
            return;
        }
        pieces.push_back(std::move(found));
        start = end;
    }
    out.insert(out.end(), pieces.begin(), pieces.end());
}

std::vector<std::string> WordPieceTokenizer::tokenize(const std::string& text) const {
    std::vector<std::string> out;
    for (const auto& word : basic_tokens(text)) word_pieces(word, out);
    return out;
}

std::vector<int64_t> WordPieceTokenizer::ids(const std::vector<std::string>& tokens) const {
    std::vector<int64_t> out;
    out.reserve(tokens.size());
    for (const auto& t : tokens) {
        const auto it = vocab_.find(t);
        POT_CHECK(it != vocab_.end(), origin_, ": token '", t, "' is not in the vocabulary");
        out.push_back(it->second);
    }
    return out;
}

}  // namespace pot::core
