#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace pot::core {

/// BERT's tokenizer: the basic step (control characters dropped, whitespace normalized, CJK
/// ideographs and punctuation split off, optionally lower-cased with accents stripped) followed by
/// WordPiece (greedy longest match first, continuations prefixed "##", a word with no match
/// becomes [UNK]). Text is UTF-8; invalid sequences become U+FFFD and are dropped.
class WordPieceTokenizer {
public:
    /// `vocab`: one token per line, its id the line number from 0. Must hold [UNK], [CLS],
    /// [SEP] and [PAD]. `origin` names the vocabulary in messages.
    WordPieceTokenizer(const std::vector<std::string>& vocab, bool lower_case, const std::string& origin);
    /// Reads the vocabulary file (at most 64 MiB). Throws pot::Error(Input) naming it.
    static WordPieceTokenizer from_file(const std::filesystem::path& vocab_file, bool lower_case);

    /// BERT's basic tokenization alone: the words WordPiece then splits.
    std::vector<std::string> basic_tokens(const std::string& text) const;
    /// Word pieces of `text`.
    std::vector<std::string> tokenize(const std::string& text) const;
    /// Ids of tokens from this vocabulary (each must be in it).
    std::vector<int64_t> ids(const std::vector<std::string>& tokens) const;

    bool lower_case() const { return lower_case_; }
    int64_t cls_id() const { return cls_id_; }
    int64_t sep_id() const { return sep_id_; }
    int64_t pad_id() const { return pad_id_; }

private:
    void word_pieces(const std::string& word, std::vector<std::string>& out) const;

    std::unordered_map<std::string, int64_t> vocab_;
    bool lower_case_;
    std::string origin_;
    int64_t cls_id_ = 0, sep_id_ = 0, pad_id_ = 0;
};

}  // namespace pot::core
