// Accuracy Checker data made from annotations: BERT's tokenizer and SQuAD features, the
// launcher's input entries, MovieLens pairs and Accuracy Checker's pickled annotations.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "annotation_dataset.hpp"
#include "annotation_pickle.hpp"
#include "errors.hpp"
#include "movie_lens_converter.hpp"
#include "pot/error.hpp"
#include "squad_converter.hpp"
#include "temp_dir.hpp"
#include "wordpiece_tokenizer.hpp"

namespace {

using pot::core::WordPieceTokenizer;
using Tokens = std::vector<std::string>;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const Tokens kSpecial = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};

WordPieceTokenizer tokenizer(Tokens words, bool lower_case = true) {
    Tokens vocab = kSpecial;
    vocab.insert(vocab.end(), words.begin(), words.end());
    return WordPieceTokenizer(vocab, lower_case, "vocab.txt");
}

TEST(WordPieceTokenizer, SplitsWordsIntoLongestPiecesWithContinuationMarks) {
    // BERT's own example: accents stripped after lower-casing, punctuation split off.
    const auto t = tokenizer({"want", "##want", "##ed", "wa", "un", "runn", "##ing", ","});
    EXPECT_EQ(t.tokenize("UNwant\xC3\xA9" "d,running"), (Tokens{"un", "##want", "##ed", ",", "runn", "##ing"}));
}

TEST(WordPieceTokenizer, AWordWithoutAFullSplitIsUnknownWhole) {
    const auto t = tokenizer({"want", "##want", "##ed", "un", "runn", "##ing"});
    EXPECT_EQ(t.tokenize("unwantedX running"), (Tokens{"[UNK]", "runn", "##ing"}));
}

TEST(WordPieceTokenizer, BasicStepLowerCasesAndSplitsPunctuationAndWhitespace) {
    const auto t = tokenizer({});
    EXPECT_EQ(t.basic_tokens(" \tHeLLo!how  \n Are yoU?  "), (Tokens{"hello", "!", "how", "are", "you", "?"}));
    EXPECT_EQ(t.basic_tokens("H\xC3\xA4LLo"), (Tokens{"hallo"}));
    // Every non-alphanumeric ASCII character is punctuation, as in BERT ($ and ^ are symbols to Unicode).
    EXPECT_EQ(t.basic_tokens("a$b^c"), (Tokens{"a", "$", "b", "^", "c"}));
}

TEST(WordPieceTokenizer, CasedModelsKeepCaseAndAccents) {
    const auto t = tokenizer({}, false);
    EXPECT_EQ(t.basic_tokens(" \tH\xC3\xA4LLo!how  \n Are yoU?  "),
              (Tokens{"H\xC3\xA4LLo", "!", "how", "Are", "yoU", "?"}));
}

TEST(WordPieceTokenizer, ChineseCharactersBecomeWordsOfTheirOwnAndControlsAreDropped) {
    const auto t = tokenizer({});
    EXPECT_EQ(t.basic_tokens("ah\xE5\x8D\x9A\xE6\x8E\xA8zz"), (Tokens{"ah", "\xE5\x8D\x9A", "\xE6\x8E\xA8", "zz"}));
    EXPECT_EQ(t.basic_tokens("a\x07" "b\tc"), (Tokens{"ab", "c"}));
}

TEST(WordPieceTokenizer, AVocabularyWithoutTheSpecialTokensIsRefused) {
    const auto m = pot::test::error_message([] { WordPieceTokenizer({"[UNK]", "[CLS]", "a"}, true, "vocab.txt"); });
    EXPECT_TRUE(has(m, "vocab.txt")) << m;
    EXPECT_TRUE(has(m, "[SEP]")) << m;
}

// Context words w0..w13, question "what is it?": 4 question tokens.
struct SquadCase {
    WordPieceTokenizer tok = tokenizer([] {
        Tokens w = {"what", "is", "it", "?"};
        for (int i = 0; i < 14; ++i) {
            std::string word = "w";  // not "w" + to_string(i): GCC 12 warns wrongly (-Wrestrict) on that
            word += std::to_string(i);
            w.push_back(word);
        }
        return w;
    }());
    std::string context = "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13";
    int64_t id(const std::string& token) const { return tok.ids({token}).front(); }
};

std::vector<int64_t> ints(const pot::Tensor& t) { return t.to_ints(); }

TEST(SquadFeatures, EachWindowIsClsQuestionSepContextSepThenPadding) {
    SquadCase c;
    pot::core::SquadSettings s{.max_seq_length = 16, .max_query_length = 64, .doc_stride = 3};
    const auto f = pot::core::squad_question_features(c.tok, "What is it?", c.context, s, "0");
    ASSERT_FALSE(f.empty());
    const std::vector<int64_t> head = {c.id("[CLS]"), c.id("what"), c.id("is"), c.id("it"), c.id("?"), c.id("[SEP]")};
    std::vector<int64_t> want = head;
    for (int i = 0; i < 9; ++i) want.push_back(c.id("w" + std::to_string(i)));  // 16 - 4 - 3 context tokens
    want.push_back(c.id("[SEP]"));
    EXPECT_EQ(ints(f[0].arrays.at("input_ids")), want);
    EXPECT_EQ(ints(f[0].arrays.at("segment_ids")), (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
    EXPECT_EQ(ints(f[0].arrays.at("input_mask")), std::vector<int64_t>(16, 1));
    EXPECT_EQ(f[0].id, "0_0");
}

TEST(SquadFeatures, WindowsStartEveryDocStrideTokensUntilTheContextEnds) {
    SquadCase c;
    pot::core::SquadSettings s{.max_seq_length = 16, .max_query_length = 64, .doc_stride = 3};
    const auto f = pot::core::squad_question_features(c.tok, "What is it?", c.context, s, "5");
    // 14 context tokens, 9 a window: windows at 0, 3 and 6 (the last reaching w13).
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(ints(f[1].arrays.at("input_ids"))[6], c.id("w3"));
    EXPECT_EQ(ints(f[2].arrays.at("input_ids"))[6], c.id("w6"));
    const auto last = ints(f[2].arrays.at("input_ids"));
    EXPECT_EQ(last[13], c.id("w13"));
    EXPECT_EQ(last[14], c.id("[SEP]"));
    EXPECT_EQ(last[15], c.id("[PAD]"));
    EXPECT_EQ(ints(f[2].arrays.at("input_mask"))[15], 0);
    EXPECT_EQ(ints(f[2].arrays.at("segment_ids"))[15], 0);
    EXPECT_EQ(f[2].id, "5_2");
}

TEST(SquadFeatures, TheQuestionIsCutToMaxQueryLength) {
    SquadCase c;
    pot::core::SquadSettings s{.max_seq_length = 16, .max_query_length = 2, .doc_stride = 3};
    const auto f = pot::core::squad_question_features(c.tok, "What is it?", c.context, s, "0");
    const auto ids = ints(f[0].arrays.at("input_ids"));
    EXPECT_EQ(ids[2], c.id("is"));
    EXPECT_EQ(ids[3], c.id("[SEP]"));
    EXPECT_EQ(ids[4], c.id("w0"));
}

TEST(SquadFeatures, AStrideLongerThanTheWindowIsRefused) {
    SquadCase c;
    pot::core::SquadSettings s{.max_seq_length = 10, .max_query_length = 64, .doc_stride = 4};
    const auto m = pot::test::error_message([&] { pot::core::squad_question_features(c.tok, "What is it?", c.context, s, "0"); });
    EXPECT_TRUE(has(m, "doc_stride")) << m;
}

pot::core::InputBinding binding(std::string name, std::string regex, std::string path) {
    pot::core::InputBinding b;
    b.name = std::move(name);
    b.value = std::move(regex);
    b.path = std::move(path);
    return b;
}

std::vector<pot::core::DataEntry> bert_entries() {
    return {{"input_ids_0_0", pot::Tensor::from_vector<int64_t>({4}, {101, 5, 6, 102})},
            {"input_mask_0_0", pot::Tensor::from_vector<int64_t>({4}, {1, 1, 1, 0})},
            {"segment_ids_0_0", pot::Tensor::from_vector<int64_t>({4}, {0, 0, 1, 1})}};
}

TEST(LauncherInputs, EachModelInputTakesTheEntryItsRegexMatches) {
    const std::vector<pot::ValueInfo> inputs = {{"segment_ids_1", pot::DType::I32, {1, 4}},
                                                {"input_ids_1", pot::DType::I64, {1, 4}}};
    const std::vector<pot::core::InputBinding> bindings = {binding("input_ids_1", "input_ids", "b.yml: /inputs/0"),
                                                           binding("segment_ids_1", "segment_ids", "b.yml: /inputs/1")};
    const auto t = pot::core::bind_inputs(bert_entries(), bindings, inputs, "sample 0");
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].dtype(), pot::DType::I32);  // the model's type decides
    EXPECT_EQ(t[0].shape(), (pot::Shape{1, 4}));
    EXPECT_EQ(t[0].to_ints(), (std::vector<int64_t>{0, 0, 1, 1}));
    EXPECT_EQ(t[1].to_ints(), (std::vector<int64_t>{101, 5, 6, 102}));
}

TEST(LauncherInputs, ARegexMatchingNoIdentifierNamesTheEntryAndTheIdentifiers) {
    const std::vector<pot::ValueInfo> inputs = {{"token_type_ids", pot::DType::I64, {1, 4}}};
    const auto m = pot::test::error_message([&] {
        pot::core::bind_inputs(bert_entries(), {binding("token_type_ids", "token_type", "bert.yml: /models/0/launchers/0/inputs/2")},
                               inputs, "sample 0");
    });
    EXPECT_TRUE(has(m, "bert.yml: /models/0/launchers/0/inputs/2/value: 'token_type'")) << m;
    EXPECT_TRUE(has(m, "'segment_ids_0_0'")) << m;
    EXPECT_TRUE(has(m, "model input 'token_type_ids'")) << m;
}

TEST(LauncherInputs, AModelInputWithoutAnEntryAndAnEntryForNoInputAreBothNamed) {
    const std::vector<pot::ValueInfo> inputs = {{"input_ids_1", pot::DType::I64, {1, 4}},
                                                {"input_mask_1", pot::DType::I64, {1, 4}}};
    const auto m = pot::test::error_message([&] {
        pot::core::check_input_bindings({binding("input_ids_1", "input_ids", "b.yml: /inputs/0"),
                                         binding("attention_mask", "input_mask", "b.yml: /inputs/1")},
                                        inputs);
    });
    EXPECT_TRUE(has(m, "b.yml: /inputs/1/name: the model has no input 'attention_mask'")) << m;
    EXPECT_TRUE(has(m, "no entry names model input 'input_mask_1'")) << m;
}

TEST(LauncherInputs, DataThatDoNotFitTheInputAreRefusedNamingBoth) {
    const std::vector<pot::ValueInfo> inputs = {{"input_ids_1", pot::DType::I64, {1, 8}}};
    const auto m = pot::test::error_message([&] {
        pot::core::bind_inputs(bert_entries(), {binding("input_ids_1", "input_ids", "b.yml: /inputs/0")}, inputs, "sample 3");
    });
    EXPECT_TRUE(has(m, "sample 3 'input_ids_0_0'")) << m;
    EXPECT_TRUE(has(m, "[1,8]") || has(m, "[1, 8]")) << m;
}

TEST(LauncherInputs, AConstantInputTakesItsValue) {
    pot::core::InputBinding b = binding("scale", "[[0.5, 2]]", "b.yml: /inputs/0");
    b.type = "CONST_INPUT";
    const auto t = pot::core::bind_inputs(bert_entries(), {b}, {{"scale", pot::DType::F32, {1, 2}}}, "sample 0");
    EXPECT_EQ(t[0].to_floats(), (std::vector<float>{0.5f, 2.0f}));
}

void write(const std::filesystem::path& f, const std::string& text) { std::ofstream(f) << text; }

TEST(MovieLens, PositivesComeFirstThenEachNegativeColumnForEveryUser) {
    pot::test::TempDir dir;
    write(dir.path() / "ratings.csv", "0\t11\t5\n1\t12\t4\n");
    write(dir.path() / "negative.csv", "20 21 22\n30 31 32\n");
    const auto s = pot::core::movie_lens_samples(dir.path() / "ratings.csv", dir.path() / "negative.csv", std::nullopt);
    ASSERT_EQ(s.size(), 8u);
    EXPECT_EQ(s[0][0].identifier, "u:0");
    EXPECT_EQ(s[0][1].identifier, "i:11");
    EXPECT_EQ(s[2][1].identifier, "i:20");  // column 0: user 0, then user 1
    EXPECT_EQ(s[3][0].identifier, "u:1");
    EXPECT_EQ(s[3][1].identifier, "i:30");
    EXPECT_EQ(s[7][1].identifier, "i:32");
    EXPECT_EQ(s[7][1].value.to_ints(), (std::vector<int64_t>{32}));
    EXPECT_EQ(s[7][1].value.dtype(), pot::DType::I64);
}

TEST(MovieLens, UsersMaxNumberLimitsTheUsers) {
    pot::test::TempDir dir;
    write(dir.path() / "ratings.csv", "0 11 5\n1 12 4\n");
    write(dir.path() / "negative.csv", "20 21\n30 31\n");
    const auto s = pot::core::movie_lens_samples(dir.path() / "ratings.csv", dir.path() / "negative.csv", 1);
    EXPECT_EQ(s.size(), 3u);
}

TEST(MovieLens, AMalformedLineIsNamedByFileAndLine) {
    pot::test::TempDir dir;
    write(dir.path() / "ratings.csv", "0 11 5\n1 12\n");
    write(dir.path() / "negative.csv", "20\n30\n");
    const auto m = pot::test::error_message([&] {
        pot::core::movie_lens_samples(dir.path() / "ratings.csv", dir.path() / "negative.csv", std::nullopt);
    });
    EXPECT_TRUE(has(m, "ratings.csv:2")) << m;
}

// Two annotations pickled by Python 3 (protocol 4) as Accuracy Checker saves them: objects of
// its QuestionAnsweringAnnotation class with NumPy arrays input_ids (int64) and input_mask
// (int32), a 0-d unique_id, strings, lists and a dict.
const std::string kPickle(
    "\x80\x04\x95\x0f\x02\x00\x00\x00\x00\x00\x00\x8c\x50\x6f\x70\x65\x6e\x76\x69\x6e\x6f\x2e\x74\x6f"
    "\x6f\x6c\x73\x2e\x61\x63\x63\x75\x72\x61\x63\x79\x5f\x63\x68\x65\x63\x6b\x65\x72\x2e\x72\x65\x70"
    "\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x2e\x71\x75\x65\x73\x74\x69\x6f\x6e\x5f\x61\x6e\x73"
    "\x77\x65\x72\x69\x6e\x67\x5f\x72\x65\x70\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x94\x8c\x1b"
    "\x51\x75\x65\x73\x74\x69\x6f\x6e\x41\x6e\x73\x77\x65\x72\x69\x6e\x67\x41\x6e\x6e\x6f\x74\x61\x74"
    "\x69\x6f\x6e\x94\x93\x94\x29\x81\x94\x7d\x94\x28\x8c\x0a\x69\x64\x65\x6e\x74\x69\x66\x69\x65\x72"
    "\x94\x5d\x94\x28\x8c\x0d\x69\x6e\x70\x75\x74\x5f\x69\x64\x73\x5f\x30\x5f\x30\x94\x8c\x0e\x69\x6e"
    "\x70\x75\x74\x5f\x6d\x61\x73\x6b\x5f\x30\x5f\x30\x94\x65\x8c\x09\x69\x6e\x70\x75\x74\x5f\x69\x64"
    "\x73\x94\x8c\x15\x6e\x75\x6d\x70\x79\x2e\x63\x6f\x72\x65\x2e\x6d\x75\x6c\x74\x69\x61\x72\x72\x61"
    "\x79\x94\x8c\x0c\x5f\x72\x65\x63\x6f\x6e\x73\x74\x72\x75\x63\x74\x94\x93\x94\x8c\x05\x6e\x75\x6d"
    "\x70\x79\x94\x8c\x07\x6e\x64\x61\x72\x72\x61\x79\x94\x93\x94\x4b\x00\x85\x94\x43\x01\x62\x94\x87"
    "\x94\x52\x94\x28\x4b\x01\x4b\x03\x85\x94\x68\x0d\x8c\x05\x64\x74\x79\x70\x65\x94\x93\x94\x8c\x02"
    "\x69\x38\x94\x89\x88\x87\x94\x52\x94\x28\x4b\x03\x8c\x01\x3c\x94\x4e\x4e\x4e\x4a\xff\xff\xff\xff"
    "\x4a\xff\xff\xff\xff\x4b\x00\x74\x94\x62\x89\x43\x18\x65\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00"
    "\x00\x00\x00\x00\x00\x66\x00\x00\x00\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x0a\x69\x6e\x70\x75\x74"
    "\x5f\x6d\x61\x73\x6b\x94\x68\x0c\x68\x0f\x4b\x00\x85\x94\x68\x11\x87\x94\x52\x94\x28\x4b\x01\x4b"
    "\x03\x85\x94\x68\x16\x8c\x02\x69\x34\x94\x89\x88\x87\x94\x52\x94\x28\x4b\x03\x68\x1a\x4e\x4e\x4e"
    "\x4a\xff\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00\x74\x94\x62\x89\x43\x0c\x01\x00\x00\x00\x01\x00"
    "\x00\x00\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x09\x75\x6e\x69\x71\x75\x65\x5f\x69\x64\x94\x68\x0c"
    "\x68\x0f\x4b\x00\x85\x94\x68\x11\x87\x94\x52\x94\x28\x4b\x01\x29\x68\x19\x89\x43\x08\x00\xca\x9a"
    "\x3b\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x0b\x71\x75\x65\x73\x74\x69\x6f\x6e\x5f\x69\x64\x94\x8c"
    "\x02\x71\x30\x94\x8c\x11\x74\x6f\x6b\x65\x6e\x5f\x74\x6f\x5f\x6f\x72\x69\x67\x5f\x6d\x61\x70\x94"
    "\x7d\x94\x4b\x03\x4b\x00\x73\x75\x62\x2e\x80\x04\x95\x0f\x02\x00\x00\x00\x00\x00\x00\x8c\x50\x6f"
    "\x70\x65\x6e\x76\x69\x6e\x6f\x2e\x74\x6f\x6f\x6c\x73\x2e\x61\x63\x63\x75\x72\x61\x63\x79\x5f\x63"
    "\x68\x65\x63\x6b\x65\x72\x2e\x72\x65\x70\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x2e\x71\x75"
    "\x65\x73\x74\x69\x6f\x6e\x5f\x61\x6e\x73\x77\x65\x72\x69\x6e\x67\x5f\x72\x65\x70\x72\x65\x73\x65"
    "\x6e\x74\x61\x74\x69\x6f\x6e\x94\x8c\x1b\x51\x75\x65\x73\x74\x69\x6f\x6e\x41\x6e\x73\x77\x65\x72"
    "\x69\x6e\x67\x41\x6e\x6e\x6f\x74\x61\x74\x69\x6f\x6e\x94\x93\x94\x29\x81\x94\x7d\x94\x28\x8c\x0a"
    "\x69\x64\x65\x6e\x74\x69\x66\x69\x65\x72\x94\x5d\x94\x28\x8c\x0d\x69\x6e\x70\x75\x74\x5f\x69\x64"
    "\x73\x5f\x31\x5f\x30\x94\x8c\x0e\x69\x6e\x70\x75\x74\x5f\x6d\x61\x73\x6b\x5f\x31\x5f\x30\x94\x65"
    "\x8c\x09\x69\x6e\x70\x75\x74\x5f\x69\x64\x73\x94\x8c\x15\x6e\x75\x6d\x70\x79\x2e\x63\x6f\x72\x65"
    "\x2e\x6d\x75\x6c\x74\x69\x61\x72\x72\x61\x79\x94\x8c\x0c\x5f\x72\x65\x63\x6f\x6e\x73\x74\x72\x75"
    "\x63\x74\x94\x93\x94\x8c\x05\x6e\x75\x6d\x70\x79\x94\x8c\x07\x6e\x64\x61\x72\x72\x61\x79\x94\x93"
    "\x94\x4b\x00\x85\x94\x43\x01\x62\x94\x87\x94\x52\x94\x28\x4b\x01\x4b\x03\x85\x94\x68\x0d\x8c\x05"
    "\x64\x74\x79\x70\x65\x94\x93\x94\x8c\x02\x69\x38\x94\x89\x88\x87\x94\x52\x94\x28\x4b\x03\x8c\x01"
    "\x3c\x94\x4e\x4e\x4e\x4a\xff\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00\x74\x94\x62\x89\x43\x18\x65"
    "\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x66\x00\x00\x00\x00\x00\x00\x00\x94"
    "\x74\x94\x62\x8c\x0a\x69\x6e\x70\x75\x74\x5f\x6d\x61\x73\x6b\x94\x68\x0c\x68\x0f\x4b\x00\x85\x94"
    "\x68\x11\x87\x94\x52\x94\x28\x4b\x01\x4b\x03\x85\x94\x68\x16\x8c\x02\x69\x34\x94\x89\x88\x87\x94"
    "\x52\x94\x28\x4b\x03\x68\x1a\x4e\x4e\x4e\x4a\xff\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00\x74\x94"
    "\x62\x89\x43\x0c\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x09\x75\x6e"
    "\x69\x71\x75\x65\x5f\x69\x64\x94\x68\x0c\x68\x0f\x4b\x00\x85\x94\x68\x11\x87\x94\x52\x94\x28\x4b"
    "\x01\x29\x68\x19\x89\x43\x08\x01\xca\x9a\x3b\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x0b\x71\x75\x65"
    "\x73\x74\x69\x6f\x6e\x5f\x69\x64\x94\x8c\x02\x71\x31\x94\x8c\x11\x74\x6f\x6b\x65\x6e\x5f\x74\x6f"
    "\x5f\x6f\x72\x69\x67\x5f\x6d\x61\x70\x94\x7d\x94\x4b\x03\x4b\x00\x73\x75\x62\x2e"    , 1076);

TEST(AnnotationPickle, ArraysOfEachPickledAnnotationAreRead) {
    const auto r = pot::core::parse_annotation_pickle(kPickle, "squad.pickle");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].arrays.at("input_ids").to_ints(), (std::vector<int64_t>{101, 8, 102}));
    EXPECT_EQ(r[1].arrays.at("input_ids").dtype(), pot::DType::I64);
    EXPECT_EQ(r[0].arrays.at("input_mask").to_ints(), (std::vector<int64_t>{1, 1, 0}));
    EXPECT_EQ(r[1].arrays.at("unique_id").to_ints(), (std::vector<int64_t>{1000000001}));
    EXPECT_EQ(r[0].arrays.count("question_id"), 0u);
}

TEST(AnnotationPickle, ATruncatedFileIsRefusedNamingItAndTheOffset) {
    const auto m = pot::test::error_message([] { pot::core::parse_annotation_pickle(kPickle.substr(0, 700), "squad.pickle"); });
    EXPECT_TRUE(has(m, "squad.pickle: byte ")) << m;
    EXPECT_TRUE(has(m, "truncated")) << m;
}

}  // namespace
