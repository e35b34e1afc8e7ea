// SQuAD's answers and metrics as Accuracy Checker computes them: answer normalization, F1 and
// exact match, BERT's answer spans and their text, the records the squad converter and
// Accuracy Checker's pickles carry, the metric over features and questions, and the reader's
// wiring of bert_question_answering, extract_answers_tokens, f1 and exact_match.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "accuracy_checker.hpp"
#include "annotation_dataset.hpp"
#include "annotation_pickle.hpp"
#include "errors.hpp"
#include "pot/error.hpp"
#include "question_answering.hpp"
#include "question_answering_metric.hpp"
#include "squad_converter.hpp"
#include "temp_dir.hpp"

namespace {

using pot::core::AnswerSettings;
using pot::core::AnswerSpan;
using pot::core::QuestionAnsweringRecord;
using Tokens = std::vector<std::string>;

bool contains_text(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

pot::core::WordPieceTokenizer basic(bool lower_case) {
    return pot::core::WordPieceTokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]"}, lower_case, "basic");
}

TEST(SquadAnswers, NormalizationDropsCaseArticlesPunctuationAndExtraSpaces) {
    EXPECT_EQ(pot::core::normalize_answer("The Cat sat."), "cat sat");
    EXPECT_EQ(pot::core::normalize_answer("  An  apple,\ta pear "), "apple pear");
    // Articles go only as whole words.
    EXPECT_EQ(pot::core::normalize_answer("Theatre and another"), "theatre and another");
    EXPECT_EQ(pot::core::normalize_answer("the"), "");
}

TEST(SquadAnswers, AnswersEqualAfterNormalizationMatchExactlyAndFully) {
    EXPECT_EQ(pot::core::answer_exact_match("The Cat sat.", "cat sat"), 1.0);
    EXPECT_EQ(pot::core::answer_f1("The Cat sat.", "cat sat"), 1.0);
}

TEST(SquadAnswers, PartialOverlapGivesTheHarmonicMeanOfPrecisionAndRecall) {
    // Gold: range of every activation (4 words); predicted: range of (2): precision 1, recall 1/2.
    EXPECT_DOUBLE_EQ(pot::core::answer_f1("the range of every activation", "range of"), 2.0 / 3.0);
    EXPECT_EQ(pot::core::answer_exact_match("the range of every activation", "range of"), 0.0);
    // Repeated words count as often as both sides have them: 1 common of 3 predicted, of 1 gold.
    EXPECT_DOUBLE_EQ(pot::core::answer_f1("stone", "stone stone wall"), 2 * (1.0 / 3) * 1.0 / (1.0 / 3 + 1.0));
    EXPECT_EQ(pot::core::answer_f1("grey stone", "granite"), 0.0);
}

TEST(SquadAnswers, EmptyAnswersScoreOnlyAgainstEmptyGolds) {
    EXPECT_EQ(pot::core::answer_f1("", ""), 1.0);
    EXPECT_EQ(pot::core::answer_f1("stone", ""), 0.0);
    EXPECT_EQ(pot::core::answer_f1("the", "stone"), 0.0);
}

TEST(SquadAnswers, TheBestGoldAnswerCountsAndGoldsOfOnlyArticlesAreDropped) {
    EXPECT_EQ(pot::core::best_answer_f1({"a", "granite"}, "granite"), 1.0);
    EXPECT_EQ(pot::core::best_answer_exact_match({"grey stone", "stone"}, "Stone"), 1.0);
    EXPECT_DOUBLE_EQ(pot::core::best_answer_f1({"grey stone", "stone wall"}, "grey wall"), 0.5);
    // Nothing left: the gold answer is empty, which only an empty prediction matches.
    EXPECT_EQ(pot::core::best_answer_exact_match({"the"}, ""), 1.0);
}

// [CLS] what ? [SEP] the grey stone tower . [SEP]: context tokens at positions 4 to 8 (words
// "The", "grey", "stone", "tower."), all of maximal context in this window unless told.
QuestionAnsweringRecord tower_record() {
    // Constructed, not assigned: GCC 12 misreports assigning short literals to strings (-Wrestrict).
    QuestionAnsweringRecord qa{.question_id = std::string("q"),
                               .gold_answers = {"grey stone"},
                               .context_words = {"The", "grey", "stone", "tower."},
                               .tokens = {"[CLS]", "what", "?", "[SEP]", "the", "grey", "stone", "tower", ".", "[SEP]"},
                               .token_to_word = {{4, 0}, {5, 1}, {6, 2}, {7, 3}, {8, 3}},
                               .token_is_max_context = {},
                               .lower_case = true};
    for (int64_t p = 4; p <= 8; ++p) qa.token_is_max_context[p] = true;
    return qa;
}

// Logits of a 12-position sequence (padding included), -10 but where given.
std::vector<float> logits(std::initializer_list<std::pair<int, float>> peaks) {
    std::vector<float> out(12, -10.0f);
    for (auto [at, v] : peaks) out[static_cast<size_t>(at)] = v;
    return out;
}

TEST(SquadAnswerSpan, TheBestSumOfStartAndEndLogitsInsideTheContextWins) {
    const auto span = pot::core::best_answer_span(logits({{5, 3}, {6, 1}}), logits({{6, 4}, {5, 2}}), tower_record(),
                                                  AnswerSettings{});
    ASSERT_TRUE(span.has_value());
    EXPECT_EQ(span->start, 5);
    EXPECT_EQ(span->end, 6);
    EXPECT_DOUBLE_EQ(span->score, 7.0);
}

TEST(SquadAnswerSpan, QuestionAndSpecialTokensAndPaddingNeverAnswer) {
    // The highest logits sit on [CLS], the question, a [SEP] and padding; the context's best follows.
    const auto span = pot::core::best_answer_span(logits({{0, 9}, {1, 9}, {11, 9}, {7, 1}}),
                                                  logits({{3, 9}, {9, 9}, {10, 9}, {8, 1}}), tower_record(),
                                                  AnswerSettings{});
    ASSERT_TRUE(span.has_value());
    EXPECT_EQ(span->start, 7);
    EXPECT_EQ(span->end, 8);
}

TEST(SquadAnswerSpan, AnEndBeforeTheStartIsNoAnswer) {
    const auto span =
        pot::core::best_answer_span(logits({{7, 5}, {4, 1}}), logits({{5, 5}, {4, 1}}), tower_record(), AnswerSettings{});
    ASSERT_TRUE(span.has_value());
    EXPECT_EQ(span->start, 4);
    EXPECT_EQ(span->end, 5);  // 4..5 (sum 6) beats 4..4 (sum 2); 7..5 runs backwards
}

TEST(SquadAnswerSpan, SpansLongerThanMaxAnswerAreSkipped) {
    const auto start = logits({{4, 5}, {6, 1}}), end = logits({{8, 5}, {7, 1}});
    EXPECT_EQ(pot::core::best_answer_span(start, end, tower_record(), AnswerSettings{30, 20})->end, 8);
    const auto short_span = pot::core::best_answer_span(start, end, tower_record(), AnswerSettings{2, 20});
    ASSERT_TRUE(short_span.has_value());
    EXPECT_EQ(short_span->start, 6);
    EXPECT_EQ(short_span->end, 7);
}

TEST(SquadAnswerSpan, OnlyTheNBestStartsAndEndsAreConsidered) {
    // Starts ranked 1, 0, 2, 7 (others 0); with n_best 3 the only valid start (7) is out of reach.
    const auto start = logits({{1, 9}, {0, 8}, {2, 7}, {7, 1}}), end = logits({{7, 5}});
    EXPECT_TRUE(pot::core::best_answer_span(start, end, tower_record(), AnswerSettings{30, 4}).has_value());
    EXPECT_FALSE(pot::core::best_answer_span(start, end, tower_record(), AnswerSettings{30, 3}).has_value());
}

TEST(SquadAnswerSpan, AStartWithoutItsMaximalContextInThisWindowIsSkipped) {
    auto qa = tower_record();
    qa.token_is_max_context[5] = false;
    const auto span = pot::core::best_answer_span(logits({{5, 5}, {6, 1}}), logits({{6, 5}}), qa, AnswerSettings{});
    ASSERT_TRUE(span.has_value());
    EXPECT_EQ(span->start, 6);
}

TEST(SquadAnswerText, TheSpanMapsBackToTheOriginalWordsWithTheirCase) {
    EXPECT_EQ(pot::core::answer_text(tower_record(), AnswerSpan{4, 6, 0}, basic(true)), "The grey stone");
}

TEST(SquadAnswerText, PunctuationOutsideTheSpanIsCutFromTheWord) {
    // Token 7 is "tower" of the word "tower.": the answer leaves the full stop out.
    EXPECT_EQ(pot::core::answer_text(tower_record(), AnswerSpan{6, 7, 0}, basic(true)), "stone tower");
    EXPECT_EQ(pot::core::answer_text(tower_record(), AnswerSpan{7, 8, 0}, basic(true)), "tower.");
}

TEST(SquadAnswerText, WordPiecesJoinBackIntoTheirWord) {
    QuestionAnsweringRecord qa;
    qa.context_words = {"Quantization", "maps"};
    qa.tokens = {"[CLS]", "[SEP]", "quant", "##ization", "maps", "[SEP]"};
    qa.token_to_word = {{2, 0}, {3, 0}, {4, 1}};
    EXPECT_EQ(pot::core::answer_text(qa, AnswerSpan{2, 4, 0}, basic(true)), "Quantization maps");
    // Half a word answers with the whole word: the piece is no word of the basic tokenization's.
    EXPECT_EQ(pot::core::answer_text(qa, AnswerSpan{3, 3, 0}, basic(true)), "Quantization");
}

TEST(SquadRecords, TheConverterMapsContextTokensToWordsAndMarksTheirMaxContextWindow) {
    Tokens vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "what", "?"};
    std::string context;
    for (int i = 0; i < 14; ++i) {
        std::string word = "w";
        word += std::to_string(i);
        vocab.push_back(word);
        if (i) context += ' ';
        context += word;
    }
    const pot::core::WordPieceTokenizer tok(vocab, true, "vocab.txt");
    // Windows of 16 - 2 question tokens - 3 = 11 context tokens every 3: starting at 0 and 3.
    pot::core::SquadSettings s{.max_seq_length = 16, .max_query_length = 64, .doc_stride = 3};
    const auto f = pot::core::squad_question_features(tok, "what?", context, s, "0");
    ASSERT_EQ(f.size(), 2u);
    const auto& first = *f[0].question_answering;
    const auto& second = *f[1].question_answering;
    EXPECT_EQ(first.context_words.size(), 14u);
    EXPECT_EQ(first.tokens.front(), "[CLS]");
    EXPECT_EQ(first.tokens.at(4), "w0");
    EXPECT_EQ(first.token_to_word.at(4), 0);
    EXPECT_EQ(second.token_to_word.at(4), 3);
    EXPECT_EQ(first.token_to_word.count(3), 0u);  // the question's [SEP]
    // Word 4: 4 tokens either side in the first window, 1 on the left in the second.
    EXPECT_TRUE(first.token_is_max_context.at(8));
    EXPECT_FALSE(second.token_is_max_context.at(5));
    // Word 9: 1 on the right in the first window, 4 on the left and 4 on the right in the second.
    EXPECT_FALSE(first.token_is_max_context.at(13));
    EXPECT_TRUE(second.token_is_max_context.at(10));
    // Word 13 is in the second window only.
    EXPECT_TRUE(second.token_is_max_context.at(14));
}

TEST(SquadRecords, TheConverterCarriesTheQuestionIdAndGoldAnswers) {
    pot::test::TempDir dir;
    write_bytes(dir.path() / "squad.json", R"({"data": [{"title": "t", "paragraphs": [
        {"context": "grey stone", "qas": [{"id": "q9", "question": "what?",
                                           "answers": [{"text": "grey stone", "answer_start": 0},
                                                       {"text": "stone", "answer_start": 5}]}]}]}]})");
    const pot::core::WordPieceTokenizer tok({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "grey", "stone", "what", "?"}, true,
                                            "vocab.txt");
    const auto f = pot::core::squad_features(dir.path() / "squad.json", tok,
                                             {.max_seq_length = 16, .max_query_length = 4, .doc_stride = 4});
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].question_answering->question_id, "q9");
    EXPECT_EQ(f[0].question_answering->gold_answers, (Tokens{"grey stone", "stone"}));
    EXPECT_TRUE(f[0].question_answering->lower_case);
}

// One QuestionAnsweringAnnotation pickled by Python 3 (protocol 4) as Accuracy Checker saves it:
// question_id "q7", answers "Grey stone" and "stone", doc_tokens ["Grey", "stone."], tokens
// [CLS] what [SEP] grey stone . [SEP], token_to_orig_map {3: 0, 4: 1, 5: 1},
// token_is_max_context {3: True, 4: True, 5: False}, metadata {"lower_case": True}.
const std::string kSquadPickle(
    "\x80\x04\x95\x5c\x02\x00\x00\x00\x00\x00\x00\x8c\x50\x6f\x70\x65\x6e\x76\x69\x6e\x6f\x2e\x74\x6f"
    "\x6f\x6c\x73\x2e\x61\x63\x63\x75\x72\x61\x63\x79\x5f\x63\x68\x65\x63\x6b\x65\x72\x2e\x72\x65\x70"
    "\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x2e\x71\x75\x65\x73\x74\x69\x6f\x6e\x5f\x61\x6e\x73"
    "\x77\x65\x72\x69\x6e\x67\x5f\x72\x65\x70\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x94\x8c\x1b"
    "\x51\x75\x65\x73\x74\x69\x6f\x6e\x41\x6e\x73\x77\x65\x72\x69\x6e\x67\x41\x6e\x6e\x6f\x74\x61\x74"
    "\x69\x6f\x6e\x94\x93\x94\x29\x81\x94\x7d\x94\x28\x8c\x0b\x71\x75\x65\x73\x74\x69\x6f\x6e\x5f\x69"
    "\x64\x94\x8c\x02\x71\x37\x94\x8c\x09\x69\x6e\x70\x75\x74\x5f\x69\x64\x73\x94\x8c\x15\x6e\x75\x6d"
    "\x70\x79\x2e\x63\x6f\x72\x65\x2e\x6d\x75\x6c\x74\x69\x61\x72\x72\x61\x79\x94\x8c\x0c\x5f\x72\x65"
    "\x63\x6f\x6e\x73\x74\x72\x75\x63\x74\x94\x93\x94\x8c\x05\x6e\x75\x6d\x70\x79\x94\x8c\x07\x6e\x64"
    "\x61\x72\x72\x61\x79\x94\x93\x94\x4b\x00\x85\x94\x43\x01\x62\x94\x87\x94\x52\x94\x28\x4b\x01\x4b"
    "\x06\x85\x94\x68\x0b\x8c\x05\x64\x74\x79\x70\x65\x94\x93\x94\x8c\x02\x69\x38\x94\x89\x88\x87\x94"
    "\x52\x94\x28\x4b\x03\x8c\x01\x3c\x94\x4e\x4e\x4e\x4a\xff\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00"
    "\x74\x94\x62\x89\x43\x30\x02\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x03\x00"
    "\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x03\x00"
    "\x00\x00\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x10\x6f\x72\x69\x67\x5f\x61\x6e\x73\x77\x65\x72\x5f"
    "\x74\x65\x78\x74\x94\x5d\x94\x28\x7d\x94\x28\x8c\x0c\x61\x6e\x73\x77\x65\x72\x5f\x73\x74\x61\x72"
    "\x74\x94\x4b\x00\x8c\x04\x74\x65\x78\x74\x94\x8c\x0a\x47\x72\x65\x79\x20\x73\x74\x6f\x6e\x65\x94"
    "\x75\x7d\x94\x28\x68\x1f\x4b\x00\x68\x20\x8c\x05\x73\x74\x6f\x6e\x65\x94\x75\x65\x8c\x0a\x64\x6f"
    "\x63\x5f\x74\x6f\x6b\x65\x6e\x73\x94\x5d\x94\x28\x8c\x04\x47\x72\x65\x79\x94\x8c\x06\x73\x74\x6f"
    "\x6e\x65\x2e\x94\x65\x8c\x06\x74\x6f\x6b\x65\x6e\x73\x94\x5d\x94\x28\x8c\x05\x5b\x43\x4c\x53\x5d"
    "\x94\x8c\x04\x77\x68\x61\x74\x94\x8c\x05\x5b\x53\x45\x50\x5d\x94\x8c\x04\x67\x72\x65\x79\x94\x68"
    "\x23\x8c\x01\x2e\x94\x68\x2c\x65\x8c\x11\x74\x6f\x6b\x65\x6e\x5f\x74\x6f\x5f\x6f\x72\x69\x67\x5f"
    "\x6d\x61\x70\x94\x7d\x94\x28\x4b\x03\x4b\x00\x4b\x04\x4b\x01\x4b\x05\x4b\x01\x75\x8c\x14\x74\x6f"
    "\x6b\x65\x6e\x5f\x69\x73\x5f\x6d\x61\x78\x5f\x63\x6f\x6e\x74\x65\x78\x74\x94\x7d\x94\x28\x4b\x03"
    "\x88\x4b\x04\x88\x4b\x05\x89\x75\x8c\x08\x6d\x65\x74\x61\x64\x61\x74\x61\x94\x7d\x94\x8c\x0a\x6c"
    "\x6f\x77\x65\x72\x5f\x63\x61\x73\x65\x94\x88\x73\x75\x62\x2e"
    , 615);

TEST(SquadRecords, AccuracyCheckerPicklesCarryTheAnswerData) {
    const auto r = pot::core::parse_annotation_pickle(kSquadPickle, "squad.pickle");
    ASSERT_EQ(r.size(), 1u);
    ASSERT_TRUE(r[0].question_answering.has_value());
    const auto& qa = *r[0].question_answering;
    EXPECT_EQ(qa.question_id, "q7");
    EXPECT_EQ(qa.gold_answers, (Tokens{"Grey stone", "stone"}));
    EXPECT_EQ(qa.context_words, (Tokens{"Grey", "stone."}));
    EXPECT_EQ(qa.tokens.size(), 7u);
    EXPECT_EQ(qa.token_to_word.at(5), 1);
    EXPECT_TRUE(qa.token_is_max_context.at(4));
    EXPECT_FALSE(qa.token_is_max_context.at(5));
    EXPECT_TRUE(qa.lower_case);
    EXPECT_EQ(pot::core::answer_text(qa, AnswerSpan{3, 4, 0}, basic(true)), "Grey stone");
}

// The same class pickled with question_id, orig_answer_text, tokens and input_ids [2, 5, 3] only.
const std::string kArraysOnlyPickle(
    "\x80\x04\x95\x98\x01\x00\x00\x00\x00\x00\x00\x8c\x50\x6f\x70\x65\x6e\x76\x69\x6e\x6f\x2e\x74\x6f"
    "\x6f\x6c\x73\x2e\x61\x63\x63\x75\x72\x61\x63\x79\x5f\x63\x68\x65\x63\x6b\x65\x72\x2e\x72\x65\x70"
    "\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x2e\x71\x75\x65\x73\x74\x69\x6f\x6e\x5f\x61\x6e\x73"
    "\x77\x65\x72\x69\x6e\x67\x5f\x72\x65\x70\x72\x65\x73\x65\x6e\x74\x61\x74\x69\x6f\x6e\x94\x8c\x1b"
    "\x51\x75\x65\x73\x74\x69\x6f\x6e\x41\x6e\x73\x77\x65\x72\x69\x6e\x67\x41\x6e\x6e\x6f\x74\x61\x74"
    "\x69\x6f\x6e\x94\x93\x94\x29\x81\x94\x7d\x94\x28\x8c\x0b\x71\x75\x65\x73\x74\x69\x6f\x6e\x5f\x69"
    "\x64\x94\x8c\x02\x71\x37\x94\x8c\x09\x69\x6e\x70\x75\x74\x5f\x69\x64\x73\x94\x8c\x15\x6e\x75\x6d"
    "\x70\x79\x2e\x63\x6f\x72\x65\x2e\x6d\x75\x6c\x74\x69\x61\x72\x72\x61\x79\x94\x8c\x0c\x5f\x72\x65"
    "\x63\x6f\x6e\x73\x74\x72\x75\x63\x74\x94\x93\x94\x8c\x05\x6e\x75\x6d\x70\x79\x94\x8c\x07\x6e\x64"
    "\x61\x72\x72\x61\x79\x94\x93\x94\x4b\x00\x85\x94\x43\x01\x62\x94\x87\x94\x52\x94\x28\x4b\x01\x4b"
    "\x03\x85\x94\x68\x0b\x8c\x05\x64\x74\x79\x70\x65\x94\x93\x94\x8c\x02\x69\x38\x94\x89\x88\x87\x94"
    "\x52\x94\x28\x4b\x03\x8c\x01\x3c\x94\x4e\x4e\x4e\x4a\xff\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00"
    "\x74\x94\x62\x89\x43\x18\x02\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x03\x00"
    "\x00\x00\x00\x00\x00\x00\x94\x74\x94\x62\x8c\x10\x6f\x72\x69\x67\x5f\x61\x6e\x73\x77\x65\x72\x5f"
    "\x74\x65\x78\x74\x94\x5d\x94\x7d\x94\x28\x8c\x0c\x61\x6e\x73\x77\x65\x72\x5f\x73\x74\x61\x72\x74"
    "\x94\x4b\x00\x8c\x04\x74\x65\x78\x74\x94\x8c\x05\x73\x74\x6f\x6e\x65\x94\x75\x61\x8c\x06\x74\x6f"
    "\x6b\x65\x6e\x73\x94\x5d\x94\x28\x8c\x05\x5b\x43\x4c\x53\x5d\x94\x8c\x04\x77\x68\x61\x74\x94\x8c"
    "\x05\x5b\x53\x45\x50\x5d\x94\x65\x75\x62\x2e"
    , 419);

TEST(SquadRecords, APickleWithoutAnswerDataIsRefusedNamingTheFileAndTheMissingKeys) {
    pot::test::TempDir dir;
    write_bytes(dir.path() / "squad.pickle", kArraysOnlyPickle);
    pot::core::EngineConfig config;
    pot::core::AnnotationData data;
    data.reader = "annotation_features_extractor";
    data.features = {"input_ids"};
    data.pickle = dir.path() / "squad.pickle";
    data.path = "ac.yml: /models/0/datasets/0";
    config.annotation_data = data;
    const std::vector<pot::ValueInfo> inputs = {{"input_ids_1", pot::DType::I64, {1, 3}}};
    // Quantization alone reads the arrays.
    EXPECT_EQ(pot::core::open_annotation_dataset(config, inputs)->size(), 1u);
    config.metrics.push_back({pot::core::kSquadF1, "F1", std::nullopt, "{}", "ac.yml: /models/0/datasets/0/metrics/0"});
    const auto e = pot::test::error_message([&] { pot::core::open_annotation_dataset(config, inputs); });
    EXPECT_TRUE(contains_text(e, (dir.path() / "squad.pickle").string() + ": annotation 0 has no 'doc_tokens', "
                       "'token_to_orig_map', 'token_is_max_context', which ac.yml: /models/0/datasets/0/metrics/0 "
                       "needs")) << e;
}

// A sample of one feature with its annotation, for the metric.
pot::Sample feature_sample(size_t index, const QuestionAnsweringRecord& qa) {
    pot::Sample s;
    s.index = index;
    s.annotation = pot::Annotation::of_json(pot::core::question_answering_json(qa));
    return s;
}

pot::core::QuestionAnsweringMetric metric(const std::string& score) {
    pot::core::QuestionAnsweringMetric m(
        R"({"score": ")" + score + R"(", "start_output": "start", "end_output": "end", "adapter_path": "ac.yml: /adapter"})",
        "ac.yml: /metrics/0");
    m.bind_outputs({{"end", pot::DType::F32, {1, 12}}, {"start", pot::DType::F32, {1, 12}}});
    return m;
}

std::vector<pot::Tensor> outputs(const std::vector<float>& start, const std::vector<float>& end) {
    // Bound above as outputs 1 (start) and 0 (end).
    return {pot::Tensor::from_vector<float>({1, 12}, end), pot::Tensor::from_vector<float>({1, 12}, start)};
}

TEST(SquadMetric, EachFeatureScoresItsOwnAnswerAndEachQuestionItsBestFeature) {
    auto f1 = metric("f1");
    auto other = tower_record();
    other.question_id = std::string("other");
    other.gold_answers = {std::string("tower")};
    f1.update(outputs(logits({{5, 1}}), logits({{6, 1}})), {}, feature_sample(0, tower_record()));  // grey stone
    f1.update(outputs(logits({{6, 1}}), logits({{6, 1}})), {}, feature_sample(1, tower_record()));  // stone
    f1.update(outputs(logits({{4, 1}}), logits({{5, 1}})), {}, feature_sample(2, other));           // The grey
    EXPECT_EQ(f1.answers(), (Tokens{"grey stone", "stone", "The grey"}));
    ASSERT_EQ(f1.per_sample().size(), 3u);
    EXPECT_DOUBLE_EQ(f1.per_sample()[0], 100.0);
    EXPECT_DOUBLE_EQ(f1.per_sample()[1], 100.0 * 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(f1.per_sample()[2], 0.0);
    // Question "q" takes its best feature (100), "other" scores 0: two questions.
    EXPECT_DOUBLE_EQ(f1.value(), 50.0);
    f1.reset();
    EXPECT_TRUE(f1.per_sample().empty());
    EXPECT_EQ(f1.value(), 0.0);
}

TEST(SquadMetric, ExactMatchCountsOnlyWholeAnswers) {
    auto em = metric("exact_match");
    em.update(outputs(logits({{6, 1}}), logits({{6, 1}})), {}, feature_sample(0, tower_record()));
    em.update(outputs(logits({{4, 1}}), logits({{6, 1}})), {}, feature_sample(1, tower_record()));
    EXPECT_EQ(em.per_sample(), (std::vector<double>{0.0, 100.0}));
    EXPECT_DOUBLE_EQ(em.value(), 100.0);
}

TEST(SquadMetric, OutputNamesTheModelLacksAreNamedWithTheModelsOutputs) {
    pot::core::QuestionAnsweringMetric m(R"({"start_output": "unstack/Squeeze_", "end_output": "unstack/Split.1",
                                             "adapter_path": "ac.yml: /models/0/launchers/0/adapter"})",
                                         "ac.yml: /metrics/0");
    const auto e = pot::test::error_message([&] { m.bind_outputs({{"logits", pot::DType::F32, {1, 2}}}); });
    EXPECT_TRUE(contains_text(e, "ac.yml: /models/0/launchers/0/adapter/start_token_logits_output: the model has no output "
                       "'unstack/Squeeze_' (its outputs: 'logits')")) << e;
}

TEST(SquadMetric, ASampleWithoutASquadAnnotationIsRefused) {
    auto f1 = metric("f1");
    pot::Sample s;
    s.annotation = pot::Annotation::of_class(3);
    const auto e = pot::test::error_message([&] { f1.update(outputs(logits({}), logits({})), {}, s); });
    EXPECT_TRUE(contains_text(e, "has no SQuAD annotation")) << e;
}

// The reader's view of POT's BERT file, its paths replaced.
pot::core::EngineConfig read_yaml(const std::string& yaml, pot::core::ConfigProblems& problems) {
    pot::test::TempDir dir;
    write_bytes(dir.path() / "ac.yml", yaml);
    pot::core::EngineConfig out;
    pot::core::read_accuracy_checker(pot::Params(nlohmann::json{{"config", "ac.yml"}}, "/engine"), dir.path(), out,
                                     problems);
    return out;
}

const char* kBertYaml = R"(models:
  - name: bert
    launchers:
      - framework: dlsdk
        adapter: {type: bert_question_answering, start_token_logits_output: "unstack/Squeeze_",
                  end_token_logits_output: "unstack/Split.1"}
    datasets:
      - name: squad
        data_source: squad
        annotation: squad.pickle
        reader: {type: annotation_features_extractor, features: [input_ids, input_mask, segment_ids]}
        postprocessing: [{type: extract_answers_tokens, max_answer: 12, n_best_size: 5}]
        metrics:
          - {name: F1, type: f1, reference: 88.57, threshold: 0.01}
          - {name: EM, type: exact_match, reference: 81.25, threshold: 0.01}
)";

TEST(SquadConfig, F1AndExactMatchReadTheAdaptersOutputsAndTheAnswerSettings) {
    pot::core::ConfigProblems problems;
    const auto out = read_yaml(kBertYaml, problems);
    ASSERT_TRUE(problems.empty()) << pot::test::error_message([&] { problems.throw_if_any(""); });
    EXPECT_TRUE(out.scoring_unsupported.empty());
    ASSERT_EQ(out.metrics.size(), 2u);
    EXPECT_EQ(out.metrics[0].type, pot::core::kSquadF1);
    EXPECT_EQ(out.metrics[0].name, "F1");
    EXPECT_EQ(out.metrics[1].type, pot::core::kSquadExactMatch);
    const auto params = nlohmann::json::parse(out.metrics[0].params_json);
    EXPECT_EQ(params.at("start_output"), "unstack/Squeeze_");
    EXPECT_EQ(params.at("end_output"), "unstack/Split.1");
    EXPECT_EQ(params.at("max_answer"), 12);
    EXPECT_EQ(params.at("n_best_size"), 5);
    EXPECT_TRUE(contains_text(params.at("adapter_path").get<std::string>(), "/models/0/launchers/0/adapter"));
}

TEST(SquadConfig, F1WithoutTheAnswerExtractionCannotScore) {
    std::string yaml = kBertYaml;
    yaml.erase(yaml.find("        postprocessing:"), yaml.find("        metrics:") - yaml.find("        postprocessing:"));
    pot::core::ConfigProblems problems;
    const auto out = read_yaml(yaml, problems);
    EXPECT_TRUE(out.metrics.empty());
    ASSERT_EQ(out.scoring_unsupported.size(), 2u);
    EXPECT_TRUE(contains_text(out.scoring_unsupported[0], "needs the dataset's postprocessing extract_answers_tokens"))
        << out.scoring_unsupported[0];
}

TEST(SquadConfig, AnAdapterWithoutItsOutputsIsAProblemNamingTheKey) {
    std::string yaml = kBertYaml;
    yaml.replace(yaml.find("start_token_logits_output"), 25, "start_logits_output");
    pot::core::ConfigProblems problems;
    read_yaml(yaml, problems);
    const auto e = pot::test::error_message([&] { problems.throw_if_any(""); });
    EXPECT_TRUE(contains_text(e, "/adapter/start_token_logits_output: required")) << e;
}

TEST(SquadConfig, AnAdapterNamedWithoutItsKeysSaysWhichKeysItNeeds) {
    std::string yaml = kBertYaml;
    const auto from = yaml.find("adapter: {"), to = yaml.find('}', from);
    yaml.replace(from, to - from + 1, "adapter: bert_question_answering");
    pot::core::ConfigProblems problems;
    read_yaml(yaml, problems);
    const auto e = pot::test::error_message([&] { problems.throw_if_any(""); });
    EXPECT_TRUE(contains_text(e, "/models/0/launchers/0/adapter: bert_question_answering needs start_token_logits_output and "
                       "end_token_logits_output")) << e;
}

}  // namespace
